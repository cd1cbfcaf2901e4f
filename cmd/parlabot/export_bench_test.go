//go:build linux

package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/parlabot/parlabot/consultations/boltstore/boltstoretest"
	"github.com/parlabot/parlabot/consultations/demo"
)

// BenchmarkExport1M runs the real parlabot binary, as an analyst would,
// to export a million responses to the reference consultation, in each
// format, and reports rows written per second, responses per second and
// peak memory: the peak resident set of the process as the kernel counts
// it (peak-RSS-MB, which includes the pages of the database file it has
// mapped and read) and the peak of its anonymous memory, the heap and
// stacks (peak-anon-MB, sampled every few milliseconds). The time is the
// whole command: opening the database, reading and decoding the
// responses, writing the file. Run it with
//
//	go test ./cmd/parlabot/ -run '^$' -bench Export1M -benchtime 1x
//
// It uses the boltstore benchmarks' fixture (boltstoretest.MillionPath),
// generating it the first time through them (about a minute), and exports
// from a copy of it, as an export writes to the audit log.
func BenchmarkExport1M(b *testing.B) {
	if testing.Short() {
		b.Skip("exports a million responses: not in -short mode")
	}
	dir := b.TempDir()
	bin := buildParlabot(b, dir)
	db := filepath.Join(dir, "parlabot.db")
	copyFile(b, millionFixture(b), db)
	for _, tc := range []struct{ name, format, layout string }{
		{"csv", "csv", "wide"},
		{"csv-long", "csv", "long"},
		{"xlsx", "xlsx", "wide"},
		{"jsonl", "jsonl", ""},
	} {
		b.Run(tc.name, func(b *testing.B) {
			out := filepath.Join(dir, "export."+tc.format)
			args := []string{"export", "--db", db, "--consultation", demo.Slug, "--format", tc.format, "--out", out}
			if tc.layout != "" {
				args = append(args, "--layout", tc.layout)
			}
			var peak, peakAnon int64
			var rows int
			b.ResetTimer()
			for range b.N {
				rss, anon := runMeasured(b, bin, args)
				peak, peakAnon = max(peak, rss), max(peakAnon, anon)
				b.StopTimer()
				rows = countRows(b, tc.format, out)
				if tc.layout != "long" && rows != boltstoretest.MillionResponses {
					b.Fatalf("%s has %d rows, want %d", out, rows, boltstoretest.MillionResponses)
				}
				b.StartTimer()
			}
			b.StopTimer()
			perOp := b.Elapsed().Seconds() / float64(b.N)
			b.ReportMetric(float64(rows)/perOp, "rows/s")
			b.ReportMetric(boltstoretest.MillionResponses/perOp, "responses/s")
			b.ReportMetric(float64(peak)/1024, "peak-RSS-MB")
			if peakAnon > 0 {
				b.ReportMetric(float64(peakAnon)/1024, "peak-anon-MB")
			}
			if fi, err := os.Stat(out); err == nil {
				b.ReportMetric(float64(fi.Size())/1e6, "file-MB")
			}
		})
	}
}

// buildParlabot builds the command into dir and returns its path.
func buildParlabot(b testing.TB, dir string) string {
	b.Helper()
	bin := filepath.Join(dir, "parlabot")
	start := time.Now()
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	b.Logf("built %s in %v", bin, time.Since(start).Round(time.Millisecond))
	return bin
}

// millionFixture returns the path of the boltstore benchmarks' database of
// a million responses, having them generate it if it is not there yet.
func millionFixture(b *testing.B) string {
	b.Helper()
	path := boltstoretest.MillionPath()
	if _, err := os.Stat(path); err == nil {
		return path
	} else if !errors.Is(err, fs.ErrNotExist) {
		b.Fatal(err)
	}
	b.Logf("no %s yet: the boltstore benchmarks generate it (about a minute)", path)
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", "^BenchmarkReport1M$", "-benchtime", "1x", "../../consultations/boltstore/")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("generate the fixture: %v\n%s", err, out)
	}
	if _, err := os.Stat(path); err != nil {
		b.Fatalf("the boltstore benchmarks left no fixture: %v", err)
	}
	return path
}

// copyFile copies the file at from to a new file at to.
func copyFile(b *testing.B, from, to string) {
	b.Helper()
	src, err := os.Open(from)
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		b.Fatal(err)
	}
	// On disk before the benchmark starts: the export's first commit
	// would otherwise wait for the whole copy to be written.
	if err := dst.Sync(); err != nil {
		dst.Close()
		b.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		b.Fatal(err)
	}
}

// runMeasured runs bin with args and returns its peak resident set and
// the peak of its anonymous memory, in KiB, failing the benchmark if it
// fails.
func runMeasured(b *testing.B, bin string, args []string) (rss, anon int64) {
	b.Helper()
	cmd := exec.Command(bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	var peakAnon atomic.Int64
	stop, sampled := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(sampled)
		status := "/proc/" + strconv.Itoa(cmd.Process.Pid) + "/status"
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			if kb, ok := statusKB(status, "RssAnon:"); ok && kb > peakAnon.Load() {
				peakAnon.Store(kb)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	err := cmd.Wait()
	close(stop)
	<-sampled
	if err != nil {
		b.Fatalf("parlabot %v: %v\n%s", args, err, stderr.Bytes())
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		b.Fatalf("no resource usage for parlabot")
	}
	return ru.Maxrss, peakAnon.Load() // Maxrss is in KiB on Linux
}

// statusKB reads a "Name:  123 kB" line of a /proc/PID/status file.
func statusKB(path, name string) (int64, bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	i := bytes.Index(data, []byte(name))
	if i < 0 {
		return 0, false
	}
	line, _, _ := bytes.Cut(data[i+len(name):], []byte("\n"))
	kb, err := strconv.ParseInt(string(bytes.TrimSpace(bytes.TrimSuffix(bytes.TrimSpace(line), []byte("kB")))), 10, 64)
	return kb, err == nil
}

// countRows counts the data rows of an export, to check that it holds
// them all: CSV records after the header, JSON lines, rows of the XLSX
// responses sheets after their headers.
func countRows(b *testing.B, format, path string) int {
	b.Helper()
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	n := 0
	switch format {
	case "csv":
		r := csv.NewReader(bufio.NewReaderSize(f, 1<<20))
		r.ReuseRecord = true
		for ; ; n++ {
			if _, err := r.Read(); err == io.EOF {
				return n - 1
			} else if err != nil {
				b.Fatalf("%s: %v", path, err)
			}
		}
	case "jsonl":
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			n++
		}
		if err := sc.Err(); err != nil {
			b.Fatalf("%s: %v", path, err)
		}
		return n
	}
	fi, err := f.Stat()
	if err != nil {
		b.Fatal(err)
	}
	zr, err := zip.NewReader(f, fi.Size())
	if err != nil {
		b.Fatalf("%s: %v", path, err)
	}
	// The sheets are xl/worksheets/sheet1.xml and on, in order: the
	// responses, then the codebook.
	var sheets []*zip.File
	for i := 1; ; i++ {
		name := "xl/worksheets/sheet" + strconv.Itoa(i) + ".xml"
		k := slices.IndexFunc(zr.File, func(zf *zip.File) bool { return zf.Name == name })
		if k < 0 {
			break
		}
		sheets = append(sheets, zr.File[k])
	}
	if len(sheets) < 2 {
		b.Fatalf("%s has %d sheets, want the responses and the codebook", path, len(sheets))
	}
	for _, zf := range sheets[:len(sheets)-1] {
		rows, err := countXMLRows(zf)
		if err != nil {
			b.Fatalf("%s: %s: %v", path, zf.Name, err)
		}
		n += rows - 1 // its header
	}
	return n
}

// countXMLRows counts the <row> elements of a worksheet, inflating it
// (which checks its checksum too) without holding it in memory.
func countXMLRows(zf *zip.File) (int, error) {
	rc, err := zf.Open()
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	tag := []byte("<row ")
	n := 0
	buf := make([]byte, 1<<20)
	var carry []byte
	for {
		k, err := rc.Read(buf)
		chunk := append(carry, buf[:k]...)
		n += bytes.Count(chunk, tag)
		// Keep the last few bytes, in case a tag spans two reads, but not
		// a whole tag, which was counted.
		keep := min(len(tag)-1, len(chunk))
		carry = append(carry[:0], chunk[len(chunk)-keep:]...)
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}
