package sql

// routineSplit tells Parse whether a ';' ends the statement, which it does
// not inside the BEGIN ATOMIC ... END body of CREATE FUNCTION or PROCEDURE.
// It follows psql's own heuristic (psqlscan.l), so that eddy splits a query
// string where psql splits a script: in a statement that starts CREATE [OR
// REPLACE] FUNCTION|PROCEDURE, outside parentheses, BEGIN opens a block,
// CASE inside a block opens one too (it also closes with END), and END
// closes one.
type routineSplit struct {
	words   []string // the statement's first words
	nwords  int
	parens  int
	blocks  int
	routine bool
}

// see takes the next token of the statement.
func (r *routineSplit) see(t token) {
	switch {
	case t.isP("("):
		r.parens++
	case t.isP(")"):
		if r.parens > 0 {
			r.parens--
		}
	case t.kind == tkIdent:
		if r.nwords < 4 {
			r.words = append(r.words, t.val)
			w := r.words
			r.routine = len(w) >= 2 && w[0] == "create" && (isRoutineWord(w[1]) ||
				(len(w) >= 4 && w[1] == "or" && w[2] == "replace" && isRoutineWord(w[3])))
		}
		r.nwords++
		if !r.routine || r.parens > 0 {
			return
		}
		switch t.val {
		case "begin":
			r.blocks++
		case "case":
			if r.blocks > 0 {
				r.blocks++
			}
		case "end":
			if r.blocks > 0 {
				r.blocks--
			}
		}
	}
}

// ends reports whether a ';' here ends the statement.
func (r *routineSplit) ends() bool { return r.blocks == 0 }

func isRoutineWord(w string) bool { return w == "function" || w == "procedure" }
