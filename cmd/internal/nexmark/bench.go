package nexmark

import (
	"context"
	"errors"
	"io"
)

func benchMain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("not yet")
}

func baselineMain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("not yet")
}
