package exec

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// pageOutTables asks the kernel to reclaim the resident pages of the
// table files under dir that this process maps, once its file-backed
// resident memory (RssFile) exceeds budget bytes, and returns how many
// mappings it advised. MADV_PAGEOUT never discards data: clean pages are
// dropped and read again on use, and should a range have been unmapped
// and reused meanwhile, anonymous pages would only be swapped (or, with
// no swap, left alone), unlike MADV_DONTNEED, which would zero them.
func pageOutTables(dir string, budget int64) (int, error) {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	rss, err := statusBytes(status, "RssFile")
	if err != nil || rss <= budget {
		return 0, err
	}
	maps, err := os.Open("/proc/self/maps")
	if err != nil {
		return 0, err
	}
	defer maps.Close()
	ranges, err := tableMappings(maps, dir)
	if err != nil {
		return 0, err
	}
	for _, r := range ranges {
		// An error (a range unmapped meanwhile: ENOMEM) changes nothing.
		unix.Syscall(unix.SYS_MADVISE, r[0], r[1]-r[0], unix.MADV_PAGEOUT)
	}
	return len(ranges), nil
}

// tableMappings lists the address ranges of /proc/<pid>/maps that map
// Badger table files (*.sst) directly under dir.
func tableMappings(maps io.Reader, dir string) ([][2]uintptr, error) {
	var out [][2]uintptr
	prefix := strings.TrimSuffix(dir, "/") + "/"
	sc := bufio.NewScanner(maps)
	for sc.Scan() {
		// start-end perms offset dev inode path
		f := strings.Fields(sc.Text())
		if len(f) < 6 || !strings.HasPrefix(f[5], prefix) || !strings.HasSuffix(f[5], ".sst") ||
			strings.Contains(f[5][len(prefix):], "/") {
			continue
		}
		start, end, ok := strings.Cut(f[0], "-")
		if !ok {
			return nil, fmt.Errorf("maps: bad range %q", f[0])
		}
		s, err1 := strconv.ParseUint(start, 16, 64)
		e, err2 := strconv.ParseUint(end, 16, 64)
		if err1 != nil || err2 != nil || e <= s {
			return nil, fmt.Errorf("maps: bad range %q", f[0])
		}
		out = append(out, [2]uintptr{uintptr(s), uintptr(e)})
	}
	return out, sc.Err()
}

// statusBytes reads a "Name:  123 kB" field of a /proc status file.
func statusBytes(status []byte, field string) (int64, error) {
	for line := range bytes.Lines(status) {
		if v, ok := bytes.CutPrefix(line, []byte(field+":")); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(string(v)), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("status %s: %w", field, err)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("status: no %s", field)
}
