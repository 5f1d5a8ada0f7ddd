// roles: the staff roles, least first; each role may do what the roles before it may. The server
// decides what a role may do (the route table in src/api/routes.c); pages use this to offer each
// role only what it may open.
export const ROLES = ['volunteer', 'manager', 'admin'];

const rank = (role) => ROLES.indexOf(role) + 1; // 0 for no role or an unknown one

/** Whether user has at least role ("volunteer", "manager" or "admin"); false without a user. */
export function atLeast(user, role) {
  return rank(role) > 0 && rank(user?.role) >= rank(role);
}
