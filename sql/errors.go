package sql

import (
	"errors"
	"fmt"
)

// Error is an error with a PostgreSQL SQLSTATE. Every error that reaches a client
// is one; anything else is reported as XX000 (internal_error).
type Error struct {
	Code     string // SQLSTATE, e.g. "42P01"
	Message  string
	Detail   string
	Hint     string
	Position int    // 1-based character offset into the statement text; 0 if unknown
	Severity string // "ERROR" unless set
	// Constraint names the violated constraint (23xxx), which drivers
	// expose to applications (node-postgres' err.constraint).
	Constraint string
	cause      error
}

func (e *Error) Error() string { return e.Message }

func (e *Error) Unwrap() error { return e.cause }

// Errorf returns an *Error with the given SQLSTATE.
func Errorf(code, format string, args ...any) *Error {
	err := fmt.Errorf(format, args...)
	return &Error{Code: code, Message: err.Error(), cause: errors.Unwrap(err)}
}

// WithPosition returns a copy of e pointing at a 1-based position in the statement.
func (e *Error) WithPosition(pos int) *Error {
	c := *e
	c.Position = pos
	return &c
}

// AsError returns err as an *Error, wrapping anything else as an internal error.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: CodeInternal, Message: err.Error(), cause: err}
}

// SQLSTATE codes eddy uses (PostgreSQL Appendix A).
const (
	CodeSuccessfulCompletion         = "00000"
	CodeWarning                      = "01000"
	CodeFeatureNotSupported          = "0A000"
	CodeCardinalityViolation         = "21000"
	CodeDataException                = "22000"
	CodeStringDataRightTrunc         = "22001"
	CodeNumericValueOutOfRange       = "22003"
	CodeNullValueNotAllowed          = "22004"
	CodeInvalidDatetimeFormat        = "22007"
	CodeDatetimeFieldOverflow        = "22008"
	CodeInvalidEscapeSequence        = "22025"
	CodeDivisionByZero               = "22012"
	CodeInvalidParameterValue        = "22023"
	CodeInvalidTextRepresentation    = "22P02"
	CodeInvalidBinaryRepresentation  = "22P03"
	CodeInvalidRegularExpression     = "2201B"
	CodeInvalidRowCountInLimit       = "2201W"
	CodeInvalidRowCountInOffset      = "2201X"
	CodeInvalidJSONText              = "22032"
	CodeIntegrityViolation           = "23000"
	CodeNotNullViolation             = "23502"
	CodeForeignKeyViolation          = "23503"
	CodeUniqueViolation              = "23505"
	CodeCheckViolation               = "23514"
	CodeInvalidCursorState           = "24000"
	CodeInvalidTransactionState      = "25000"
	CodeActiveSQLTransaction         = "25001"
	CodeNoActiveSQLTransaction       = "25P01"
	CodeInFailedSQLTransaction       = "25P02"
	CodeInvalidSQLStatementName      = "26000"
	CodeInvalidAuthorization         = "28000"
	CodeInvalidPassword              = "28P01"
	CodeInvalidCursorName            = "34000"
	CodeSyntaxError                  = "42601"
	CodeInsufficientPrivilege        = "42501"
	CodeGroupingError                = "42803"
	CodeWindowingError               = "42P20"
	CodeInvalidRecursion             = "42P19"
	CodeDatatypeMismatch             = "42804"
	CodeWrongObjectType              = "42809"
	CodeUndefinedColumn              = "42703"
	CodeUndefinedFunction            = "42883"
	CodeUndefinedTable               = "42P01"
	CodeUndefinedParameter           = "42P02"
	CodeUndefinedObject              = "42704"
	CodeDuplicateColumn              = "42701"
	CodeDuplicateTable               = "42P07"
	CodeDuplicateSchema              = "42P06"
	CodeDuplicateObject              = "42710"
	CodeDuplicateAlias               = "42712"
	CodeAmbiguousColumn              = "42702"
	CodeAmbiguousFunction            = "42725"
	CodeDuplicateFunction            = "42723"
	CodeInvalidFunctionDefinition    = "42P13"
	CodeAmbiguousAlias               = "42P09"
	CodeInvalidColumnReference       = "42P10"
	CodeInvalidObjectDefinition      = "42P17"
	CodeInvalidTableDefinition       = "42P16"
	CodeDependentObjectsStillExist   = "2BP01"
	CodeProgramLimitExceeded         = "54000"
	CodeTooManyConnections           = "53300"
	CodeOutOfMemory                  = "53200"
	CodeDiskFull                     = "53100"
	CodeObjectInUse                  = "55006"
	CodeObjectNotInPrerequisiteState = "55000"
	CodeQueryCanceled                = "57014"
	CodeAdminShutdown                = "57P01"
	CodeProtocolViolation            = "08P01"
	CodeConnectionFailure            = "08006"
	CodeInternal                     = "XX000"
	CodeDataCorrupted                = "XX001"
	CodeInvalidCatalogName           = "3D000"
	CodeInvalidSchemaName            = "3F000"
	CodeUndefinedSchema              = "3F000"
)
