package db_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/vouchkiosk/vouch/tools/platform/db"
)

// pageAll walks a paginated list with the given page size and returns every
// key it saw, failing on a page larger than size.
func pageAll[T any](t *testing.T, size int, list func(db.Page) ([]T, string, error), key func(T) string) []string {
	t.Helper()
	var keys []string
	p := db.Page{Limit: size}
	for range 100 {
		rows, next, err := list(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) > size {
			t.Fatalf("page of %d rows, limit %d", len(rows), size)
		}
		for _, r := range rows {
			keys = append(keys, key(r))
		}
		if next == "" {
			return keys
		}
		p.After = next
	}
	t.Fatal("pagination did not end")
	return nil
}

// TestListPagination pages through devices, events and subjects of one
// organisation in several page sizes:
// every row appears once, in order, and no page crosses into the other
// organisation or exceeds its limit.
func TestListPagination(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a, err := d.CreateOrg(ctx, "a")
		if err != nil {
			t.Fatal(err)
		}
		b, err := d.CreateOrg(ctx, "b")
		if err != nil {
			t.Fatal(err)
		}
		const n = 7
		for i := range n {
			for _, o := range []db.Org{a, b} {
				newDevice(t, d, o.ID, fmt.Sprintf("dev-%s-%d", o.Name, i))
				if _, err := d.CreateEvent(ctx, o.ID, fmt.Sprintf("ev%d", i)); err != nil {
					t.Fatal(err)
				}
				if _, err := d.CreateSubject(ctx, o.ID, db.Subject{Ref: fmt.Sprintf("s%d", i)}); err != nil {
					t.Fatal(err)
				}
			}
		}
		for _, size := range []int{1, 2, 3, n, n + 1, 0} {
			t.Run(fmt.Sprint(size), func(t *testing.T) {
				want := size
				if want == 0 {
					want = db.MaxListPage
				}
				devs := pageAll(t, want, func(p db.Page) ([]db.Device, string, error) { return d.ListDevices(ctx, a.ID, p) },
					func(x db.Device) string { return x.Org + "/" + x.ID })
				evs := pageAll(t, want, func(p db.Page) ([]db.Event, string, error) { return d.ListEvents(ctx, a.ID, p) },
					func(x db.Event) string { return x.Org + "/" + x.Name + "/" + x.ID })
				subs := pageAll(t, want, func(p db.Page) ([]db.Subject, string, error) { return d.ListSubjects(ctx, a.ID, "", p) },
					func(x db.Subject) string { return x.Org + "/" + x.Ref + "/" + x.ID })
				for what, keys := range map[string][]string{"devices": devs, "events": evs, "subjects": subs} {
					if len(keys) != n {
						t.Errorf("%s: %d rows, want %d: %v", what, len(keys), n, keys)
					}
					seen := map[string]bool{}
					for i, k := range keys {
						if k[:len(a.ID)] != a.ID {
							t.Errorf("%s: row %q of another organisation", what, k)
						}
						if seen[k] || (i > 0 && k < keys[i-1]) {
							t.Errorf("%s: row %q repeated or out of order: %v", what, k, keys)
						}
						seen[k] = true
					}
				}
			})
		}
		for _, bad := range []string{"!", "bm90IGpzb24", "WyIiLCIiXQ"} {
			if _, _, err := d.ListDevices(ctx, a.ID, db.Page{After: bad}); !errors.Is(err, db.ErrInvalid) {
				t.Errorf("cursor %q: %v, want ErrInvalid", bad, err)
			}
		}
	})
}
