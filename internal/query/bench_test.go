package query

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/happn-go/happn/store"
)

// benchItem is a ~250-byte document shaped like happn-3's README example.
var benchItem = store.Item{
	Path:     "/people/customers/0001234",
	Data:     json.RawMessage(`{"name":"Jim","surname":"Smith","region":"North","town":"Cape Town","email":"jim.smith@example.com","age":42,"score":87.5,"tags":["vip","newsletter"],"address":{"street":"12 Long Street","city":"Cape Town","zip":"8001"},"active":true}`),
	Created:  1_700_000_000_000,
	Modified: 1_700_000_500_000,
}

// BenchmarkBaselineGJSON does what the README search must do at least:
// three gjson lookups on the same document. It puts the figures below in
// proportion on a shared, noisy machine.
func BenchmarkBaselineGJSON(b *testing.B) {
	defer cpuPerOp(b)()
	b.ReportAllocs()
	doc := bytesString(benchItem.Data)
	for b.Loop() {
		_ = gjson.Get(doc, "region").Str == "North"
		_ = gjson.Get(doc, "town").Str == "Durban"
		_ = gjson.Get(doc, "surname").Str == "Smith"
	}
}

// BenchmarkBaselineUnmarshal decodes the document into a map, which is
// what evaluating criteria without gjson would start with.
func BenchmarkBaselineUnmarshal(b *testing.B) {
	defer cpuPerOp(b)()
	b.ReportAllocs()
	for b.Loop() {
		var m map[string]any
		if err := json.Unmarshal(benchItem.Data, &m); err != nil {
			b.Fatal(err)
		}
	}
}

func benchQuery(b *testing.B, criteria string, want bool) {
	q, err := Compile([]byte(criteria))
	if err != nil {
		b.Fatal(err)
	}
	if q.MatchItem(benchItem) != want {
		b.Fatalf("%s: match != %v", criteria, want)
	}
	defer cpuPerOp(b)()
	b.ReportAllocs()
	for b.Loop() {
		q.MatchItem(benchItem)
	}
}

// The README search: three fields, $or of two $in, and a $in.
func BenchmarkMatchOrIn(b *testing.B) {
	b.Logf("document is %d bytes", len(benchItem.Data))
	benchQuery(b, `{"$or":[{"region":{"$in":["North","South","East","West"]}},{"town":{"$in":["Cape Town","Durban","Johannesburg"]}}],"surname":{"$in":["Bishop","Smith","Van Vuuren"]}}`, true)
}

func BenchmarkMatchRange(b *testing.B) {
	benchQuery(b, `{"age":{"$gte":30,"$lt":50},"_meta.created":{"$gte":1600000000000,"$lte":1800000000000}}`, true)
}

func BenchmarkMatchRegex(b *testing.B) {
	benchQuery(b, `{"email":{"$regex":["@EXAMPLE\\.com$","i"]}}`, true)
}

func BenchmarkMatchNestedAndArray(b *testing.B) {
	benchQuery(b, `{"address.city":"Cape Town","tags":"vip"}`, true)
}

func BenchmarkSortLess(b *testing.B) {
	s, err := CompileSort([]byte(`{"surname":1,"_meta.created":-1}`))
	if err != nil {
		b.Fatal(err)
	}
	other := benchItem
	other.Created++
	if !s.Less(other, benchItem) {
		b.Fatal("order")
	}
	defer cpuPerOp(b)()
	b.ReportAllocs()
	for b.Loop() {
		s.Less(benchItem, other)
	}
}

func BenchmarkProjectionApply(b *testing.B) {
	p, err := CompileFields([]byte(`{"name":1,"address.city":1}`))
	if err != nil {
		b.Fatal(err)
	}
	defer cpuPerOp(b)()
	b.ReportAllocs()
	for b.Loop() {
		p.Apply(benchItem.Data)
	}
}

func BenchmarkCompileReadme(b *testing.B) {
	criteria := []byte(`{"$or":[{"region":{"$in":["North","South","East","West"]}},{"town":{"$in":["Cape Town","Durban","Johannesburg"]}}],"surname":{"$in":["Bishop","Smith","Van Vuuren"]}}`)
	defer cpuPerOp(b)()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(criteria); err != nil {
			b.Fatal(err)
		}
	}
}

// searchItems are the documents of the server's BenchmarkSearch.
var searchItems = func() []store.Item {
	items := make([]store.Item, 10000)
	for i := range items {
		items[i] = store.Item{
			Path: fmt.Sprintf("/bench/search/%d", i),
			Data: fmt.Appendf(nil, `{"n":%d,"grp":"g%d","name":"item %d"}`, i, i%10, i),
		}
	}
	return items
}()

// benchScan matches criteria against every search item, as the server's
// search does; ns/op is per item.
func benchScan(b *testing.B, criteria string, want int) {
	q, err := Compile([]byte(criteria))
	if err != nil {
		b.Fatal(err)
	}
	defer cpuPerOp(b)()
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if q.MatchItem(searchItems[n%len(searchItems)]) {
			want--
		}
		n++
	}
	if n >= len(searchItems) && want > 0 {
		b.Fatalf("%s: too few matches", criteria)
	}
}

func BenchmarkScanOne(b *testing.B)   { benchScan(b, `{"n":4242}`, 1) }
func BenchmarkScanGroup(b *testing.B) { benchScan(b, `{"grp":"g7"}`, 1000) }
func BenchmarkScanAndRange(b *testing.B) {
	benchScan(b, `{"$and":[{"n":{"$gte":5000}},{"n":{"$lt":5100}}]}`, 100)
}

// benchSort sorts the 1,000 search items of group g7 by n descending
// with sortFn, as the server's sort-limit search does.
func benchSort(b *testing.B, sortFn func(s *Sort, items []store.Item)) {
	s, err := CompileSort([]byte(`{"n":-1}`))
	if err != nil {
		b.Fatal(err)
	}
	group := searchGroup()
	items := make([]store.Item, len(group))
	defer cpuPerOp(b)()
	b.ReportAllocs()
	for b.Loop() {
		copy(items, group)
		sortFn(s, items)
	}
	if items[0].Path != "/bench/search/9997" {
		b.Fatalf("first item %s", items[0].Path)
	}
}

// benchSortItems is benchSort with SortItems; first is its page.
func benchSortItems(b *testing.B, first int) {
	benchSort(b, func(s *Sort, items []store.Item) { s.SortItems(items, first) })
}

// searchGroup returns the search items of group g7 in path order, as the
// store's scan yields them.
func searchGroup() []store.Item {
	var group []store.Item
	for i := 7; i < len(searchItems); i += 10 {
		group = append(group, searchItems[i])
	}
	slices.SortFunc(group, func(a, b store.Item) int { return strings.Compare(a.Path, b.Path) })
	return group
}

func BenchmarkSortItemsAll(b *testing.B)   { benchSortItems(b, 0) }
func BenchmarkSortItemsFirst(b *testing.B) { benchSortItems(b, 10) }

// BenchmarkSortSliceStable is the sort SortItems replaces, for scale.
func BenchmarkSortSliceStable(b *testing.B) {
	benchSort(b, func(s *Sort, items []store.Item) {
		sort.SliceStable(items, func(i, j int) bool { return s.Less(items[i], items[j]) })
	})
}
