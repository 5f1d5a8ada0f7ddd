-- The session lookup every logged-in request makes before anything else (store_session_lookup in
-- src/store/session_store.c). contrib/bench/run puts it where a script says --@session.
-- :hash is the bench session's token hash and :idle the idle timeout in seconds.
SELECT st.id, st.username, st.display_name, st.role, coalesce(st.branch_id, 0),
       coalesce(b.slug, ''), s.csrf_token, s.last_seen_at < now() - interval '1 minute'
  FROM sessions s JOIN staff st ON st.id = s.staff_id
  LEFT JOIN branches b ON b.id = st.branch_id
 WHERE s.token_hash = :hash AND s.expires_at > now()
   AND s.last_seen_at > now() - make_interval(secs => :idle) AND NOT st.disabled;
