package exec

import (
	"context"
	"fmt"
	"strings"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/sql"
)

// createFunction stores a SQL function after checking its body as
// PostgreSQL does at CREATE FUNCTION. The planner inlines it where it is
// called (planner/bind_udf.go).
func (s *Session) createFunction(n *sql.CreateFunction) (string, error) {
	if err := s.checkSchema(n.Name); err != nil {
		return "", err
	}
	if n.Language != "sql" {
		if n.Language == "plpgsql" || n.Language == "c" || n.Language == "internal" {
			return "", sql.Errorf(sql.CodeFeatureNotSupported, "functions in language %s are not supported; use LANGUAGE sql", n.Language)
		}
		return "", sql.Errorf(sql.CodeUndefinedObject, "language %q does not exist", n.Language)
	}
	f := &catalog.Function{Schema: "public", Name: n.Name.Name, Owner: s.user, Returns: n.Returns, SetOf: n.SetOf,
		Volatility: n.Volatility, Strict: n.Strict, Body: n.Body, Src: n.Src, SQLBody: n.SQLBody}
	seen := map[string]bool{}
	for _, a := range n.Args {
		if a.Name != "" && seen[a.Name] {
			return "", sql.Errorf(sql.CodeInvalidFunctionDefinition, "parameter name %q used more than once", a.Name)
		}
		seen[a.Name] = true
		f.Args = append(f.Args, a.Type)
		f.ArgNames = append(f.ArgNames, a.Name)
	}
	for _, c := range n.Table {
		f.Table = append(f.Table, catalog.Column{Name: c.Name, Type: c.Type})
	}
	var old *catalog.Function
	for _, g := range s.e.cat.FunctionsNamed("public", f.Name) {
		if g.SameArgs(f.Args) {
			old = g
		}
	}
	if old != nil {
		if !n.OrReplace {
			return "", sql.Errorf(sql.CodeDuplicateFunction, "function %q already exists with same argument types", f.Name)
		}
		if err := s.requireFunctionOwner(old); err != nil {
			return "", err
		}
		if old.Returns.OID != f.Returns.OID || old.SetOf != f.SetOf {
			return "", &sql.Error{Code: sql.CodeInvalidFunctionDefinition,
				Message: "cannot change return type of existing function",
				Hint:    "Use DROP FUNCTION " + f.Name + "(" + typeList(f.Args) + ") first."}
		}
		for i, an := range old.ArgNames {
			if an != "" && an != f.ArgNames[i] {
				return "", &sql.Error{Code: sql.CodeInvalidFunctionDefinition,
					Message: fmt.Sprintf("cannot change name of input parameter %q", an),
					Hint:    "Use DROP FUNCTION " + f.Name + "(" + typeList(f.Args) + ") first."}
			}
		}
		// A materialized view runs the body it was created with; replacing
		// it would leave the view computing something else.
		for _, r := range s.e.cat.FunctionDependents(old.OID) {
			if r.Kind == catalog.KindMatView || isFlowSink(r) {
				return "", sql.Errorf(sql.CodeFeatureNotSupported, "cannot replace function %s: %s %s uses it", f.Name, relationKindWord(r), r.Name)
			}
		}
		f.OID = old.OID
		f.Comment = old.Comment
	}
	if err := s.e.planner.CheckFunction(f); err != nil {
		return "", err
	}
	if f.OID == 0 {
		var err error
		if f.OID, err = s.e.cat.AllocOIDs(1); err != nil {
			return "", err
		}
	}
	if err := s.e.cat.PutFunction(f); err != nil {
		return "", err
	}
	return "CREATE FUNCTION", nil
}

func typeList(ts []sql.Type) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = sql.FormatType(t)
	}
	return strings.Join(parts, ", ")
}

func (s *Session) requireFunctionOwner(f *catalog.Function) error {
	if me := s.sessionRole(); me == nil || (!me.Superuser && me.Name != f.Owner) {
		return sql.Errorf(sql.CodeInsufficientPrivilege, "must be owner of function %s", f.Name)
	}
	return nil
}

// dropFunction drops functions; views that call one keep it (2BP01), or go
// with it under CASCADE.
func (s *Session) dropFunction(ctx context.Context, n *sql.DropFunction) (string, error) {
	var drop []*catalog.Function
	for _, r := range n.Funcs {
		if err := s.checkSchema(r.Name); err != nil {
			return "", err
		}
		fns := s.e.cat.FunctionsNamed("public", r.Name.Name)
		var match []*catalog.Function
		for _, f := range fns {
			if !r.HasArgs || f.SameArgs(r.Args) {
				match = append(match, f)
			}
		}
		switch {
		case len(match) == 0 && n.IfExists:
			continue
		case len(match) == 0 && r.HasArgs:
			return "", sql.Errorf(sql.CodeUndefinedFunction, "function %s(%s) does not exist", r.Name.Name, typeList(r.Args))
		case len(match) == 0:
			return "", sql.Errorf(sql.CodeUndefinedFunction, "could not find a function named %q", r.Name.Name)
		case len(match) > 1:
			return "", &sql.Error{Code: sql.CodeAmbiguousFunction, Message: fmt.Sprintf("function name %q is not unique", r.Name.Name),
				Hint: "Specify the argument list to select the function unambiguously."}
		}
		if err := s.requireFunctionOwner(match[0]); err != nil {
			return "", err
		}
		drop = append(drop, match[0])
	}
	var rels []uint32
	for _, f := range drop {
		deps := s.e.cat.FunctionDependents(f.OID)
		// PostgreSQL's format_procedure: argument types without spaces.
		sig := strings.ReplaceAll(typeList(f.Args), ", ", ",")
		if len(deps) > 0 && !n.Cascade {
			return "", &sql.Error{Code: sql.CodeDependentObjectsStillExist,
				Message: fmt.Sprintf("cannot drop function %s(%s) because other objects depend on it", f.Name, sig),
				Detail:  fmt.Sprintf("%s %s depends on function %s(%s)", kindWord(deps[0].Kind), deps[0].Name, f.Name, sig),
				Hint:    "Use DROP ... CASCADE to drop the dependent objects too."}
		}
		for _, d := range deps {
			rels = append(rels, s.dependentsClosure(d.OID)...)
		}
	}
	if len(rels) > 0 {
		if err := s.dropRelations(ctx, rels...); err != nil {
			return "", err
		}
	}
	for _, f := range drop {
		if err := s.e.cat.DeleteFunction(f.OID); err != nil {
			return "", err
		}
	}
	return "DROP FUNCTION", nil
}
