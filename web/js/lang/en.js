// English. The same keys as sv.js (a test checks); see there for the form of the values.
export default {
  'lang.other': 'Svenska',

  'login.title': 'Log in – hylla',
  'login.heading': 'Log in',
  'login.intro': 'For volunteers and staff.',
  'login.username': 'Username',
  'login.password': 'Password',
  'login.submit': 'Log in',
  'login.busy': 'Logging in …',
  'login.username_missing': 'Enter your username.',
  'login.password_missing': 'Enter your password.',

  'common.logout': 'Log out',

  'error.invalid_credentials': 'Wrong username or password.',
  'error.login_throttled': {
    one: 'Too many failed logins. Try again in {n} minute.',
    other: 'Too many failed logins. Try again in {n} minutes.',
  },
  'error.busy': 'The server is handling many logins right now. Try again in a moment.',
  'error.database_unavailable': 'The database is not answering right now. Try again in a moment.',
  'error.network': 'The server could not be reached. Check the connection and try again.',
  'error.unauthenticated': 'You need to log in.',
  'error.forbidden': 'Your role may not do this.',
  'error.csrf_failed': 'The page is out of date. Reload it and try again.',
  'error.validation_failed': 'Some details need correcting.',
  'error.not_found': 'That does not exist.',
  'error.staff_not_found': 'There is no such staff member.',
  'error.username_taken': 'The username is taken.',
  'error.branch_forbidden': 'You may only manage staff of your own branch.',
  'error.own_account': 'You cannot change your own role, branch or disabled flag. Ask another admin.',
  'error.body_too_large': 'What was sent is too large.',
  'error.internal_error': 'Something went wrong on the server. Try again later.',
  'error.generic': 'Something went wrong (error code {status}).',

  'field.required': 'This field must be filled in.',
  'field.invalid': 'The value is not valid.',
  'field.too_long': 'The value is too long.',
  'field.too_short': 'The value is too short.',
  'field.unknown_field': 'This field is not accepted here.',
  'field.unknown_branch': 'There is no branch by that name.',
};
