package db

import (
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
)

// MaxListPage is the largest page ListDevices, ListEvents and ListSubjects
// return.
const MaxListPage = 1000

// Page selects one page of a list: at most Limit rows (0, or more than
// MaxListPage, means MaxListPage) following the cursor After ("" = the
// first page). The cursor is opaque: pass the next cursor a list method
// returned. Pages are keyset-paginated on the list's order, so rows added
// or removed between calls neither repeat nor shift the rest.
type Page struct {
	After string
	Limit int
}

func (p Page) limit() int {
	if p.Limit <= 0 || p.Limit > MaxListPage {
		return MaxListPage
	}
	return p.Limit
}

// cursor encodes the position after a row whose order column is key and
// whose id is id.
func cursor(key, id string) string {
	b, _ := json.Marshal([2]string{key, id}) // cannot fail for strings
	return base64.RawURLEncoding.EncodeToString(b)
}

// where returns the keyset condition (with a leading AND) and ORDER BY ...
// LIMIT suffix for a list ordered by col then id, and its arguments.
func (p Page) where(col string) (cond, suffix string, args []any, err error) {
	suffix = fmt.Sprintf(" ORDER BY %s, id LIMIT ?", col)
	if p.After == "" {
		return "", suffix, []any{p.limit() + 1}, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(p.After)
	var k [2]string
	if err != nil || len(b) > 4096 || json.Unmarshal(b, &k) != nil || k[1] == "" {
		return "", "", nil, fmt.Errorf("%w: page cursor %.40q", ErrInvalid, p.After)
	}
	cond = fmt.Sprintf(" AND (%[1]s > ? OR (%[1]s = ? AND id > ?))", col)
	return cond, suffix, []any{k[0], k[0], k[1], p.limit() + 1}, nil
}

// collectPage scans a page queried with one row beyond the limit and
// returns the rows and the next page's cursor ("" after the last page).
func collectPage[T any](rows *sql.Rows, p Page, scan func(*T, scanner) error, key func(T) (string, string)) ([]T, string, error) {
	out, err := collect(rows, scan)
	if err != nil || len(out) <= p.limit() {
		return out, "", err
	}
	out = out[:p.limit()]
	return out, cursor(key(out[len(out)-1])), nil
}
