package sql

// Stmt is one of eddy's own statements (closed set).
type Stmt interface{ stmt() }
