'use strict';
// Server features that differ between happn-3 12.x, 13.x and the Go server. A scenario lists
// the ones it needs in `needs`; the runner skips it (SKIP, with the reason) on a server
// without them. The happn-3 version comes from GET /version ({"version":"13.12.1"}).

/** FEATURES documents each feature name a scenario may put in `needs`. */
const FEATURES = {
  sibling: "set option set_type:'sibling' stores under <path>/<generated id> (12.x server, Go)",
  tag: 'set option tag snapshots the record under /_TAGS<path>/<id> (12.x server, Go)',
  'remove-criteria': 'remove honours options.criteria (13.x server, Go)',
  'change-password': 'the change-password action (13.x server, Go)',
  'loki-operators': 'search operators of LokiJS, 13.x\'s store: $containsAny, $contains, $containsNone, $between (13.x server, Go)',
};

// The Go server keeps what 13.x dropped (DESIGN.md "Features that the seed documents…").
const GO = ['sibling', 'tag', 'remove-criteria', 'change-password', 'loki-operators'];
const HAPPN3_12 = ['sibling', 'tag'];
const HAPPN3_13 = ['remove-criteria', 'change-password', 'loki-operators'];

/**
 * features returns {features:Set, describe} for a target ('happn3' | 'go') and the version the
 * server reported (null when it did not answer /version; happn-3 is then taken as 13.x).
 */
function features(target, reportedVersion) {
  if (target === 'go') {
    return { features: new Set(GO), describe: `go${reportedVersion ? ' (/version ' + reportedVersion + ')' : ''}` };
  }
  const major = reportedVersion ? Number(String(reportedVersion).split('.')[0]) : 13;
  const list = major === 12 ? HAPPN3_12 : HAPPN3_13;
  return { features: new Set(list), describe: `happn-3 ${reportedVersion || '(version unknown, assuming 13.x)'}` };
}

module.exports = { FEATURES, features };
