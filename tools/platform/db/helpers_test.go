package db_test

import (
	"database/sql"
	"strings"
)

// bumpSchema records a migration this binary does not know.
func bumpSchema(dsn string) error {
	raw, err := sql.Open("sqlite", strings.TrimPrefix(dsn, "sqlite:"))
	if err != nil {
		return err
	}
	defer raw.Close()
	_, err = raw.Exec("INSERT INTO schema_migrations (version, name, applied) VALUES (9999, 'future', 0)")
	return err
}
