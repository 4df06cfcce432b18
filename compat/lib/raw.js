'use strict';
// raw sends one happn_4 request through a real client's own request path
// (__performDataRequest: same envelope, eventId counter, sessionId and response matching as
// client.set/get/…), but without the client-side checks, so a scenario can ask the SERVER to
// validate things the client would normally refuse to send (SPEC §2.1).

/** raw resolves with the client's decoded response, or rejects with the client's Error. */
function raw(client, action, path, data = null, options = {}) {
  return new Promise((resolve, reject) => {
    client.__performDataRequest(path, action, data, options, (e, r) => (e ? reject(e) : resolve(r)));
  });
}

module.exports = { raw };
