package exec

import (
	"strings"

	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/sql/builtin"
)

// set_config(name, value, is_local) is SET as a function: pg_dump starts
// by emptying search_path with set_config, and tools that pool
// connections set application_name or their own settings with it. Like
// SET LOCAL in eddy, is_local changes the setting for the session.
func init() {
	builtin.Register(&builtin.Func{Name: "set_config", Args: []sql.Type{sql.Text, sql.Text, sql.Bool}, Ret: sql.Text, Volatile: true,
		Eval: func(ctx *builtin.Context, a []sql.Value) (sql.Value, error) {
			if ctx == nil || ctx.SetSetting == nil {
				return sql.Null, sql.Errorf(sql.CodeFeatureNotSupported, "set_config is not available here")
			}
			v, err := ctx.SetSetting(a[0].Text(), a[1].Text(), a[2].Bool())
			if err != nil {
				return sql.Null, err
			}
			return sql.NewText(v), nil
		}})
}

// setConfig changes a setting as SET does and returns the value that
// current_setting now gives.
func (s *Session) setConfig(name, value string, _ bool) (string, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if err := s.set(n, value); err != nil {
		return "", err
	}
	if n == "time zone" {
		n = "timezone"
	}
	v, _ := s.setting(n)
	return v, nil
}
