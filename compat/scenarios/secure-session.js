'use strict';
// secure-session: sessions ending on the server's initiative (SPEC §1.7, §7.7, §7.8):
// revoke-token, disconnect-child-sessions, a profile's ttl; and change-password (13.x).

const LIMITED = { username: 'compat-limited', password: 'compat-pw' };
const SHORT = { username: 'compat-short', password: 'compat-pw' }; // profile ttl '2 seconds'

/** ended resolves with the data of the client's next session-ended event. */
function ended(c) {
  return new Promise((resolve) => c.onEvent('session-ended', resolve));
}

function withTimeout(p, ms, label) {
  let timer;
  return Promise.race([
    p,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${label}: nothing within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

module.exports = [
  {
    name: 'revoke-token ends the session and every session logged in with its token; the token is refused after',
    mode: 'secure',
    async run(t) {
      const first = await t.client(LIMITED);
      const derived = await t.client({ token: first.session.token });
      const firstEnded = ended(first);
      const derivedEnded = ended(derived);
      await t.cb((cb) => first.revokeToken(cb));
      t.eq(await withTimeout(firstEnded, 3000, 'session-ended'), { reason: 'token-revoked' }, 'revoker');
      t.eq(await withTimeout(derivedEnded, 3000, 'session-ended'), { reason: 'token-revoked' }, 'token-derived session');
      await t.rejects(t.client({ token: first.session.token }), { name: 'AccessDenied', code: 403, message: 'token has been revoked' }, 'revoked token');
      // The user itself still logs in.
      await t.client(LIMITED);
    },
  },
  {
    name: 'disconnect({disconnectChildSessions}) ends the sessions logged in with this session\'s token',
    mode: 'secure',
    async run(t) {
      const parent = await t.client(LIMITED);
      const child = await t.client({ token: parent.session.token });
      const childEnded = ended(child);
      await t.cb((cb) => parent.disconnect({ disconnectChildSessions: true }, cb));
      t.eq(await withTimeout(childEnded, 3000, 'child session-ended'), { reason: 'token-revoked' }, 'child');
    },
  },
  {
    name: "a profile's ttl ends the session: server-side-disconnect token-expired",
    mode: 'secure',
    timeout: 15000,
    async run(t) {
      const c = await t.client(SHORT);
      t.match(c.session.policy, { 1: { ttl: 2000 } }, 'policy');
      const data = await withTimeout(ended(c), 6000, 'session-ended');
      t.eq(data, { reason: 'token-expired' }, 'reason');
    },
  },
  {
    name: 'change-password: the old password is checked, the new one works',
    mode: 'secure',
    clients: ['v13'],
    needs: ['change-password'],
    async run(t) {
      const user = { username: 'compat-pwchange', password: 'compat-pw' };
      const c = await t.client(user);
      await t.rejects(c.changePassword({ oldPassword: 'wrong', newPassword: 'x' }), { name: 'SystemError', message: 'Invalid old password' }, 'wrong old password');
      await c.changePassword({ oldPassword: 'compat-pw', newPassword: 'compat-pw-2' });
      try {
        await t.rejects(t.client(user), { code: 401 }, 'old password');
        const again = await t.client({ ...user, password: 'compat-pw-2' });
        await again.changePassword({ oldPassword: 'compat-pw-2', newPassword: 'compat-pw' });
      } catch (e) {
        const again = await t.client({ ...user, password: 'compat-pw-2' });
        await again.changePassword({ oldPassword: 'compat-pw-2', newPassword: 'compat-pw' });
        throw e;
      }
      const admin = await t.client();
      await t.rejects(admin.changePassword({ oldPassword: t.credentials.password, newPassword: 'x' }), { name: 'SystemError', message: 'updates to the _ADMIN user are forbidden' }, '_ADMIN');
    },
  },
];
