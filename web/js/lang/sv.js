// Swedish, the first language of hylla. Keys are "area.name"; a value is a string with {name}
// placeholders, or { one, other } for a count {n}. Every key here is in en.js too (a test checks).
// Pages with many strings of their own may keep them in their own dictionaries (see i18n.js).
export default {
  'lang.other': 'English',

  'login.title': 'Logga in – hylla',
  'login.heading': 'Logga in',
  'login.intro': 'För volontärer och personal.',
  'login.username': 'Användarnamn',
  'login.password': 'Lösenord',
  'login.submit': 'Logga in',
  'login.busy': 'Loggar in …',
  'login.username_missing': 'Fyll i ditt användarnamn.',
  'login.password_missing': 'Fyll i ditt lösenord.',

  'common.logout': 'Logga ut',

  'error.invalid_credentials': 'Fel användarnamn eller lösenord.',
  'error.login_throttled': {
    one: 'För många misslyckade inloggningar. Försök igen om {n} minut.',
    other: 'För många misslyckade inloggningar. Försök igen om {n} minuter.',
  },
  'error.busy': 'Servern har många inloggningar just nu. Försök igen om en liten stund.',
  'error.database_unavailable': 'Databasen svarar inte just nu. Försök igen om en liten stund.',
  'error.network': 'Servern gick inte att nå. Kontrollera anslutningen och försök igen.',
  'error.unauthenticated': 'Du behöver logga in.',
  'error.forbidden': 'Din roll får inte göra det här.',
  'error.csrf_failed': 'Sidan är inaktuell. Ladda om den och försök igen.',
  'error.validation_failed': 'Några uppgifter behöver rättas.',
  'error.not_found': 'Det finns inte.',
  'error.staff_not_found': 'Det finns ingen sådan medarbetare.',
  'error.username_taken': 'Användarnamnet är upptaget.',
  'error.branch_forbidden': 'Du får bara hantera personal på din egen filial.',
  'error.own_account': 'Du kan inte ändra din egen roll, filial eller spärr. Be en annan administratör.',
  'error.body_too_large': 'Det som skickades är för stort.',
  'error.internal_error': 'Något gick fel på servern. Försök igen senare.',
  'error.generic': 'Något gick fel (felkod {status}).',

  'field.required': 'Fältet måste fyllas i.',
  'field.invalid': 'Värdet är inte giltigt.',
  'field.too_long': 'Värdet är för långt.',
  'field.too_short': 'Värdet är för kort.',
  'field.unknown_field': 'Fältet tas inte emot här.',
  'field.unknown_branch': 'Det finns ingen filial med det namnet.',
};
