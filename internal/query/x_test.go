package query
import "testing"
var sink int
func BenchmarkXNil(b *testing.B) {
	var q *Query
	n := 0
	for b.Loop() { if q.MatchItem(searchItems[n%len(searchItems)]) {sink++}; n++ }
}
func BenchmarkXTouch(b *testing.B) {
	n := 0
	for b.Loop() { it := searchItems[n%len(searchItems)]; sink += int(it.Data[1]); n++ }
}
func BenchmarkXMember(b *testing.B) {
	n := 0
	for b.Loop() { _, r := member(bytesString(searchItems[n%len(searchItems)].Data), "n"); sink += int(r); n++ }
}
func BenchmarkXMemberGrp(b *testing.B) {
	n := 0
	for b.Loop() { _, r := member(bytesString(searchItems[n%len(searchItems)].Data), "grp"); sink += int(r); n++ }
}
