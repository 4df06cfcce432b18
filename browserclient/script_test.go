package browserclient

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The embedded file must be JavaScript that parses, and must define the
// global the pages use. node is on every machine of this project; where it is
// missing the syntax check is skipped, the content checks still run.
func TestScriptParses(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is needed for this test: install Node.js 18 or later")
	}
	file := filepath.Join(t.TempDir(), "happn-client.js")
	if err := os.WriteFile(file, script, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(node, "--check", file).CombinedOutput(); err != nil {
		t.Fatalf("node --check: %v\n%s", err, out)
	}
}

// Loading the file in node (no window) must define HappnClient with the API
// the pages rely on, without touching the network.
func TestScriptAPI(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is needed for this test: install Node.js 18 or later")
	}
	file := filepath.Join(t.TempDir(), "happn-client.js")
	if err := os.WriteFile(file, script, 0o600); err != nil {
		t.Fatal(err)
	}
	probe := `
const C = require(process.argv[1]);
const want = ['create'];
const proto = ['set','setSibling','publish','increment','get','getPaths','count','remove','on','once','onAll',
  'off','offPath','offAll','onEvent','offEvent','onSystemMessage','offSystemMessage','revokeToken','disconnect'];
const missing = want.filter(k => typeof C[k] !== 'function').concat(proto.filter(k => typeof C.prototype[k] !== 'function'));
if (missing.length) { console.log('missing: ' + missing.join(',')); process.exit(1); }
if (globalThis.HappnClient !== C) { console.log('global HappnClient not set'); process.exit(1); }
console.log('ok ' + C.PROTOCOL);
`
	out, err := exec.Command(node, "-e", probe, file).CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "ok happn_4") {
		t.Fatalf("probe: %v\n%s", err, out)
	}
}
