// Command tlogcheck verifies a consentgate log with Go's golang.org/x/mod/sumdb code, which the
// consentgate authors did not write: the checkpoint note signature (sumdb/note), an inclusion proof
// and a consistency proof computed from C2SP tiles fetched over HTTP (sumdb/tlog).
//
// Usage: tlogcheck <log URL prefix> <vkey> <index> [<old size> <old root base64>]
//
// x/mod's tiles put the height first (tile/8/<L>/<N>, tile/8/data/<N>); C2SP tlog-tiles does not
// (tile/<L>/<N>, tile/entries/<N>). The paths are adapted here, not in the server.
package main

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const height = 8

type httpTiles struct{ base string }

func (r httpTiles) Height() int { return height }

func (r httpTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		data, err := fetch(r.base + "/" + c2spPath(t))
		if err != nil {
			return nil, err
		}
		out[i] = data
	}
	return out, nil
}

func (r httpTiles) SaveTiles(tiles []tlog.Tile, data [][]byte) {}

// c2spPath turns x/mod's tile/8/<L>/<N> into C2SP's tile/<L>/<N>.
func c2spPath(t tlog.Tile) string {
	p := strings.TrimPrefix(t.Path(), fmt.Sprintf("tile/%d/", height))
	if strings.HasPrefix(p, "data/") {
		p = "entries/" + strings.TrimPrefix(p, "data/")
	}
	return "tile/" + p
}

func fetch(url string) ([]byte, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("GET %s: %d %s", url, resp.StatusCode, body)
	}
	return body, nil
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "tlogcheck: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	if len(os.Args) != 4 && len(os.Args) != 6 {
		fail("usage: tlogcheck <url> <vkey> <index> [<old size> <old root>]")
	}
	base, vkey := strings.TrimSuffix(os.Args[1], "/"), os.Args[2]
	index, err := strconv.ParseInt(os.Args[3], 10, 64)
	if err != nil {
		fail("bad index: %v", err)
	}
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		fail("bad vkey: %v", err)
	}
	msg, err := fetch(base + "/checkpoint")
	if err != nil {
		fail("%v", err)
	}
	n, err := note.Open(msg, note.VerifierList(verifier))
	if err != nil {
		fail("checkpoint signature: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 || lines[0] != verifier.Name() {
		fail("checkpoint origin %q is not %q", lines[0], verifier.Name())
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		fail("checkpoint size: %v", err)
	}
	root, err := tlog.ParseHash(lines[2])
	if err != nil {
		fail("checkpoint root: %v", err)
	}
	tree := tlog.Tree{N: size, Hash: root}
	reader := tlog.TileHashReader(tree, httpTiles{base})

	// The entry itself, from its C2SP entry bundle (uint16 big-endian length prefixes).
	bundle := tlog.Tile{H: height, L: -1, N: index / 256, W: 256}
	if rest := size - bundle.N*256; rest < 256 {
		bundle.W = int(rest)
	}
	data, err := fetch(base + "/" + c2spPath(bundle))
	if err != nil {
		fail("%v", err)
	}
	var entry []byte
	for i := int64(0); i <= index%256; i++ {
		if len(data) < 2 {
			fail("entry bundle ends early")
		}
		l := int(binary.BigEndian.Uint16(data))
		entry, data = data[2:2+l], data[2+l:]
	}
	proof, err := tlog.ProveRecord(size, index, reader)
	if err != nil {
		fail("inclusion proof from tiles: %v", err)
	}
	if err := tlog.CheckRecord(proof, size, root, index, tlog.RecordHash(entry)); err != nil {
		fail("inclusion proof does not verify: %v", err)
	}
	fmt.Printf("inclusion ok: entry %d in tree %d\n", index, size)

	if len(os.Args) == 6 {
		oldSize, err := strconv.ParseInt(os.Args[4], 10, 64)
		if err != nil {
			fail("bad old size: %v", err)
		}
		raw, err := base64.StdEncoding.DecodeString(os.Args[5])
		if err != nil || len(raw) != tlog.HashSize {
			fail("bad old root")
		}
		var oldRoot tlog.Hash
		copy(oldRoot[:], raw)
		tp, err := tlog.ProveTree(size, oldSize, reader)
		if err != nil {
			fail("consistency proof from tiles: %v", err)
		}
		if err := tlog.CheckTree(tp, size, root, oldSize, oldRoot); err != nil {
			fail("consistency proof does not verify: %v", err)
		}
		fmt.Printf("consistency ok: tree %d is a prefix of tree %d\n", oldSize, size)
	}
}
