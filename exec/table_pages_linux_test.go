package exec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

func TestTableMappings(t *testing.T) {
	maps := `55d1c0a00000-55d1c0c00000 r-xp 00000000 08:01 123 /usr/bin/eddy
7f0000000000-7f0000200000 rw-s 00000000 08:01 456 /data/eddy/000012.sst
7f0000200000-7f0000400000 rw-s 00000000 08:01 457 /data/eddy/00003.mem
7f0000400000-7f0000600000 rw-s 00000000 08:01 458 /data/eddy-other/000013.sst
7f0000600000-7f0000700000 rw-s 00000000 08:01 459 /data/eddy/sub/000014.sst
7f0000700000-7f0000800000 rw-p 00000000 00:00 0
7f0000800000-7f0000a00000 r--s 00000000 08:01 460 /data/eddy/000015.sst
`
	got, err := tableMappings(strings.NewReader(maps), "/data/eddy")
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]uintptr{{0x7f0000000000, 0x7f0000200000}, {0x7f0000800000, 0x7f0000a00000}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("tableMappings = %x, want %x", got, want)
	}
	if _, err := tableMappings(strings.NewReader("zz-1 rw-s 0 08:01 1 /data/eddy/1.sst\n"), "/data/eddy"); err == nil {
		t.Error("a malformed range: no error")
	}
}

func TestStatusBytes(t *testing.T) {
	status := []byte("Name:\teddy\nRssAnon:\t  983488 kB\nRssFile:\t  232150 kB\n")
	if n, err := statusBytes(status, "RssFile"); err != nil || n != 232150<<10 {
		t.Errorf("RssFile: %d, %v", n, err)
	}
	if _, err := statusBytes(status, "RssShmem"); err == nil {
		t.Error("a missing field: no error")
	}
}

// TestPageOutTables maps a file named like a table, touches its pages and
// checks that pageOutTables makes them non-resident, and that a budget
// above the process's file-backed memory leaves them.
func TestPageOutTables(t *testing.T) {
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	const size = 4 << 20
	f, err := os.Create(filepath.Join(dir, "000001.sst"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	m, err := unix.Mmap(int(f.Fd()), 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(m)
	for i := 0; i < size; i += 4096 {
		m[i] = 1
	}
	if err := unix.Msync(m, unix.MS_SYNC); err != nil {
		t.Fatal(err)
	}
	resident := func() int {
		vec := make([]byte, size/4096)
		_, _, errno := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(&m[0])), size, uintptr(unsafe.Pointer(&vec[0])))
		if errno != 0 {
			t.Fatal(errno)
		}
		n := 0
		for _, v := range vec {
			n += int(v & 1)
		}
		return n
	}
	if n := resident(); n != size/4096 {
		t.Fatalf("%d of %d pages resident after writing", n, size/4096)
	}
	if n, err := pageOutTables(dir, 1<<50); err != nil || n != 0 {
		t.Fatalf("under budget: advised %d mappings, %v", n, err)
	}
	if n := resident(); n != size/4096 {
		t.Fatalf("under budget: %d of %d pages resident", n, size/4096)
	}
	n, err := pageOutTables(dir, 0)
	if err != nil || n != 1 {
		t.Fatalf("over budget: advised %d mappings, %v", n, err)
	}
	if n := resident(); n > size/4096/4 {
		t.Errorf("over budget: %d of %d pages still resident", n, size/4096)
	}
	// The data is intact.
	for i := 0; i < size; i += 4096 {
		if m[i] != 1 {
			t.Fatalf("byte %d lost", i)
		}
	}
}
