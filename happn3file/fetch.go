package happn3file

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/happn-go/happn"
)

// fetchPage is how many documents Fetch asks for at a time.
const fetchPage = 1000

// Fetch reads every document of a running happn-3 server through c, a
// client logged in as its _ADMIN (happn-3 serves its administrator
// everything, /_SYSTEM and the security directory included), in pages,
// and returns them as Read would: for a server whose data is not in a
// file Read understands (a MongoDB datastore, say), or to move it without
// stopping it first. Pages follow happn-3's default order, by path; stop
// writes to the server while it runs, or a write between two pages may be
// missed.
func Fetch(ctx context.Context, c *happn.Client) ([]Record, error) {
	var out []Record
	at := map[string]int{} // path → index in out
	for skip := 0; ; skip += fetchPage {
		items, err := c.Search(ctx, "*", happn.Limit(fetchPage), happn.Skip(skip))
		if err != nil {
			return nil, fmt.Errorf("happn3file: reading documents %d to %d: %w", skip, skip+fetchPage, err)
		}
		fresh := 0
		for _, it := range items {
			data, ok := objectData(it.Data)
			if !ok || it.Meta.Path == "" {
				return nil, fmt.Errorf("happn3file: the server returned a document without a path, or whose data is not a JSON object (%.80s)", it.Data)
			}
			r := Record{Path: it.Meta.Path, Data: data, Created: it.Meta.Created, Modified: it.Meta.Modified, ModifiedBy: it.Meta.ModifiedBy}
			// A page boundary that moved under a concurrent write can
			// repeat a document: the later copy wins.
			if i, seen := at[r.Path]; seen {
				out[i] = r
				continue
			}
			at[r.Path] = len(out)
			out = append(out, r)
			fresh++
		}
		if len(items) < fetchPage {
			break
		}
		if fresh == 0 {
			return nil, fmt.Errorf("happn3file: the server answered documents %d to %d with ones already read: it does not page with skip", skip, skip+fetchPage)
		}
	}
	slices.SortFunc(out, func(a, b Record) int { return strings.Compare(a.Path, b.Path) })
	return out, nil
}
