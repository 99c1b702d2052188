package main

import (
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"
)

// TestPortalChunkTags checks the CommandComplete of a portal read in chunks
// (Execute with a row limit, as pgjdbc's setFetchSize and asyncpg's cursors
// do): PostgreSQL's tag counts the rows of the Execute that completes the
// portal, not the portal's total, and some drivers (pgjdbc's update
// counts, node-postgres' rowCount) report it. Run with -clients-url against
// PostgreSQL 15 to check the expectations.
func TestPortalChunkTags(t *testing.T) {
	exchange, check := portalWire(t)
	check("begin", exchange(&pgproto3.Query{String: "BEGIN"}), "[BEGIN]")
	check("chunk 1", exchange(
		&pgproto3.Parse{Query: "SELECT generate_series(1, 5)"},
		&pgproto3.Bind{DestinationPortal: "p"},
		&pgproto3.Execute{Portal: "p", MaxRows: 2},
		&pgproto3.Sync{}), "1 2 suspended")
	check("chunk 2", exchange(&pgproto3.Execute{Portal: "p", MaxRows: 2}, &pgproto3.Sync{}), "3 4 suspended")
	check("last chunk", exchange(&pgproto3.Execute{Portal: "p", MaxRows: 2}, &pgproto3.Sync{}), "5 [SELECT 1]")
	check("after the end", exchange(&pgproto3.Execute{Portal: "p", MaxRows: 2}, &pgproto3.Sync{}), "[SELECT 0]")

	// Rows that end exactly at a chunk's end: the next Execute finds none.
	check("even chunk", exchange(
		&pgproto3.Parse{Query: "SELECT generate_series(1, 4)"},
		&pgproto3.Bind{DestinationPortal: "q"},
		&pgproto3.Execute{Portal: "q", MaxRows: 2},
		&pgproto3.Execute{Portal: "q", MaxRows: 2},
		&pgproto3.Execute{Portal: "q", MaxRows: 2},
		&pgproto3.Sync{}), "1 2 suspended 3 4 suspended [SELECT 0]")
	// The rest without a limit counts the rest.
	check("rest", exchange(
		&pgproto3.Parse{Query: "SELECT generate_series(1, 5)"},
		&pgproto3.Bind{DestinationPortal: "r"},
		&pgproto3.Execute{Portal: "r", MaxRows: 3},
		&pgproto3.Execute{Portal: "r"},
		&pgproto3.Sync{}), "1 2 3 suspended 4 5 [SELECT 2]")
	// Unlimited from the start counts every row.
	check("whole", exchange(
		&pgproto3.Parse{Query: "SELECT generate_series(1, 5)"},
		&pgproto3.Bind{DestinationPortal: "s"},
		&pgproto3.Execute{Portal: "s"},
		&pgproto3.Sync{}), "1 2 3 4 5 [SELECT 5]")
	// A FETCH between chunks: the Execute still counts only its own rows.
	check("fetch between", exchange(
		&pgproto3.Parse{Query: "SELECT generate_series(1, 6)"},
		&pgproto3.Bind{DestinationPortal: "u"},
		&pgproto3.Execute{Portal: "u", MaxRows: 2},
		&pgproto3.Sync{}), "1 2 suspended")
	check("fetch", exchange(&pgproto3.Query{String: "FETCH 2 u"}), "3 4 [FETCH 2]")
	check("execute after fetch", exchange(&pgproto3.Execute{Portal: "u", MaxRows: 5}, &pgproto3.Sync{}), "5 6 [SELECT 2]")

	check("table", exchange(&pgproto3.Query{String: "CREATE TABLE portal_tags (a int PRIMARY KEY)"}), "[CREATE TABLE]")
	// INSERT ... RETURNING runs whole at its first Execute, yet its tag
	// too counts the rows of the last chunk.
	check("returning", exchange(
		&pgproto3.Parse{Query: "INSERT INTO portal_tags SELECT generate_series(1, 3) RETURNING a"},
		&pgproto3.Bind{DestinationPortal: "w"},
		&pgproto3.Execute{Portal: "w", MaxRows: 2},
		&pgproto3.Execute{Portal: "w", MaxRows: 2},
		&pgproto3.Execute{Portal: "w", MaxRows: 2},
		&pgproto3.Sync{}), "1 2 suspended 3 [INSERT 0 1] [INSERT 0 0]")
	check("returning whole", exchange(
		&pgproto3.Parse{Query: "INSERT INTO portal_tags SELECT generate_series(4, 6) RETURNING a"},
		&pgproto3.Bind{DestinationPortal: "x"},
		&pgproto3.Execute{Portal: "x"},
		&pgproto3.Sync{}), "4 5 6 [INSERT 0 3]")
	// Without rows to send the tag is the command's.
	check("update", exchange(
		&pgproto3.Parse{Query: "UPDATE portal_tags SET a = a + 10 WHERE a > 4"},
		&pgproto3.Bind{DestinationPortal: "y"},
		&pgproto3.Execute{Portal: "y", MaxRows: 1},
		&pgproto3.Sync{}), "[UPDATE 2]")
	check("rollback", exchange(&pgproto3.Query{String: "ROLLBACK"}), "[ROLLBACK]")
}
