// The person's bearer token, pasted into the sign-in form: kept in this tab's sessionStorage only, never in the page.
const tokenKey = 'polyglot-aspire.token';

export const token = {
  get: () => sessionStorage.getItem(tokenKey),
  set: (value) => sessionStorage.setItem(tokenKey, value),
  clear: () => sessionStorage.removeItem(tokenKey),
};

// Thrown instead of asking without a usable token: the page shows the sign-in prompt, no data.
export class SignInNeeded extends Error {}
