package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/segql/segql/store"
)

// inIDs is the condition "col is one of the ids of a JSON array parameter":
// any number of ids, one parameter, one statement.
func inIDs(col string) string { return col + " IN (SELECT value FROM json_each(?))" }

// keyset adds a page's exclusive bounds on the key column.
func keyset[K store.Key](key string, p store.Page[K], where []string, args []any) ([]string, []any) {
	if p.After != nil {
		where = append(where, key+" > ?")
		args = append(args, *p.After)
	}
	if p.Before != nil {
		where = append(where, key+" < ?")
		args = append(args, *p.Before)
	}
	return where, args
}

func whereSQL(where []string) string {
	if len(where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(where, " AND ")
}

// direction is the order a page is read in: backwards reads the rows
// nearest Before first.
func direction[K store.Key](p store.Page[K]) string {
	if p.Backward {
		return "DESC"
	}
	return "ASC"
}

func limitOf[K store.Key](p store.Page[K]) int { return max(p.Limit, 0) }

// list describes one list read: the FROM clause, the key column it is
// ordered by, and the filters.
type list struct {
	cols  string
	from  string
	key   string
	where []string
	args  []any
}

// listPage reads one page of a list in one query.
func listPage[K store.Key, T any](ctx context.Context, s *Store, l list, p store.Page[K], scan func(scanFunc, ...any) (T, error)) (store.PageOf[T], error) {
	where, args := keyset(l.key, p, l.where, l.args)
	limit := limitOf(p)
	q := "SELECT " + l.cols + " FROM " + l.from + whereSQL(where) + " ORDER BY " + l.key + " " + direction(p) + " LIMIT ?"
	rows, err := s.query(ctx, q, append(args, limit+1)...)
	if err != nil {
		return store.PageOf[T]{}, err
	}
	defer rows.Close()
	var items []T
	for rows.Next() {
		it, err := scan(rows.Scan)
		if err != nil {
			return store.PageOf[T]{}, err
		}
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return store.PageOf[T]{}, err
	}
	return store.FinishPage(items, p), nil
}

// count counts a list's rows in one query.
func count(ctx context.Context, s *Store, l list) (int, error) {
	var n int
	err := s.queryRow(ctx, "SELECT count(*) FROM "+l.from+whereSQL(l.where), l.args, &n)
	return n, err
}

// children describes per-parent pages: a link table (memberships,
// promotion_segments) ties each parent id to the ids of its children, rows
// of table.
type children struct {
	link   string // the link table
	parent string // its column of parent ids
	child  string // its column of child ids
	table  string // the children's table, keyed by id
	cols   string // the children's columns
}

// parentPages reads one page per parent id in one query. Each parent's
// page is a LIMIT subquery on the link table's index, correlated with the
// parent: the cost is the rows returned, not the parent's size. (Numbering
// each parent's rows with ROW_NUMBER() and keeping rn <= limit+1 gives the
// same rows, but numbers every child of every parent first: a page of a
// segment with 100k members took ~300 ms that way, under 1 ms this way.)
func parentPages[K store.Key, T any](ctx context.Context, s *Store, c children, parents []string, p store.Page[K], scan func(scanFunc, ...any) (T, error)) ([]store.PageOf[T], error) {
	bounds, args := keyset("l."+c.child, p, nil, []any{jsonList(parents)})
	limit := limitOf(p)
	cond := ""
	if len(bounds) > 0 {
		cond = " AND " + strings.Join(bounds, " AND ")
	}
	dir := direction(p)
	q := fmt.Sprintf(`SELECT j.parent, %s
FROM (SELECT DISTINCT value AS parent FROM json_each(?)) j, %s c
WHERE c.id IN (
	SELECT l.%s FROM %s l WHERE l.%s = j.parent%s ORDER BY l.%s %s LIMIT ?
)
ORDER BY j.parent, c.id %s`, qualified("c", c.cols), c.table, c.child, c.link, c.parent, cond, c.child, dir, dir)
	rows, err := s.query(ctx, q, append(args, limit+1)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	read := map[string][]T{}
	for rows.Next() {
		var parent string
		it, err := scan(rows.Scan, &parent)
		if err != nil {
			return nil, err
		}
		read[parent] = append(read[parent], it)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Finish each parent's page once: a parent asked for twice shares it.
	pages := make(map[string]store.PageOf[T], len(read))
	for parent, items := range read {
		pages[parent] = store.FinishPage(items, p)
	}
	out := make([]store.PageOf[T], len(parents))
	for i, id := range parents {
		out[i] = pages[id]
	}
	return out, nil
}

// countChildren counts each parent's rows of table in one query.
func countChildren(ctx context.Context, s *Store, table, parent string, parents []string) ([]int, error) {
	q := fmt.Sprintf("SELECT %s, count(*) FROM %s WHERE %s GROUP BY %s", parent, table, inIDs(parent), parent)
	rows, err := s.query(ctx, q, jsonList(parents))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	counts := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		counts[id] = n
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]int, len(parents))
	for i, id := range parents {
		out[i] = counts[id]
	}
	return out, nil
}

// byIDs reads the rows whose key column is one of ids in one query and
// answers them in the order of ids, nil where none was found.
func byIDs[K comparable, T any](ctx context.Context, s *Store, cols, table, key string, ids []K, scan func(scanFunc, ...any) (T, error), keyOf func(T) K) ([]T, error) {
	q := "SELECT " + cols + " FROM " + table + " WHERE " + inIDs(key)
	rows, err := s.query(ctx, q, jsonList(ids))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	found := make(map[K]T, len(ids))
	for rows.Next() {
		it, err := scan(rows.Scan)
		if err != nil {
			return nil, err
		}
		found[keyOf(it)] = it
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]T, len(ids))
	for i, id := range ids {
		out[i] = found[id]
	}
	return out, nil
}
