package motion

import (
	"encoding/binary"
	"slices"
)

// majority3x3 writes to out 1 where at least 5 of the 3x3 neighbourhood
// in fg is set: isolated noisy pixels vanish, pinholes in an object fill
// in, and an object's outline keeps its place. The one-pixel border is
// cleared. rows holds each row's count of set pixels: a row whose
// neighbourhood has fewer than 5 is cleared without looking, which is
// most rows of a quiet picture. live[y] tells the region finder whether
// row y of out may hold a set pixel. colSum is scratch of width w.
func majority3x3(fg, out []byte, rows []int32, live []bool, colSum []uint8, w, h int) {
	n := w * h
	fg, out = fg[:n], out[:n]
	colSum = colSum[:w]
	clear(out[:w])
	clear(out[n-w:])
	live = live[:h]
	live[0], live[h-1] = false, false
	for y := 1; y < h-1; y++ {
		row := out[y*w : (y+1)*w]
		if rows[y-1]+rows[y]+rows[y+1] < 5 {
			clear(row)
			live[y] = false
			continue
		}
		live[y] = true
		up, mid, down := fg[(y-1)*w:y*w], fg[y*w:(y+1)*w], fg[(y+1)*w:(y+2)*w]
		if w%8 == 0 {
			majorityRow8(up, mid, down, row)
			row[0], row[w-1] = 0, 0
			continue
		}
		for x := range w {
			colSum[x] = up[x] + mid[x] + down[x]
		}
		row[0], row[w-1] = 0, 0
		for x := 1; x < w-1; x++ {
			if colSum[x-1]+colSum[x]+colSum[x+1] >= 5 {
				row[x] = 1
			} else {
				row[x] = 0
			}
		}
	}
}

// majority3x3's row for a width that is a multiple of 8, eight pixels per
// step: fg bytes are 0 or 1, so the three rows add bytewise in one 64-bit
// addition (at most 3 a byte), the left and right neighbours come in by
// shifting a byte across (at most 9, no carry between bytes), and adding
// 128-5 to each byte sets its top bit exactly where the sum is at least 5.
// The caller clears the row's first and last pixel.
func majorityRow8(up, mid, down, row []byte) {
	const lsb, msb = 0x0101010101010101, 0x8080808080808080
	n := len(up)
	mid, down, row = mid[:n], down[:n], row[:n]
	le := binary.LittleEndian
	colAt := func(x int) uint64 {
		return le.Uint64(up[x:]) + le.Uint64(mid[x:]) + le.Uint64(down[x:])
	}
	var prev uint64
	cur := colAt(0)
	for x := 0; x < n; x += 8 {
		var next uint64
		if x+8 < n {
			next = colAt(x + 8)
		}
		sum := cur + (cur<<8 | prev>>56) + (cur>>8 | next<<56)
		le.PutUint64(row[x:], (sum+(128-5)*lsb)&msb>>7)
		prev, cur = cur, next
	}
}

// region is one 8-connected group of foreground pixels.
type region struct {
	area                   int
	minX, minY, maxX, maxY int
	zones                  uint32
}

// regionFinder labels connected regions with an explicit stack, reusing
// its memory from frame to frame.
type regionFinder struct {
	stack   []int32
	regions []region
}

// find collects the 8-connected regions of fg (values 1) that have at
// least minArea pixels, largest first; fg is consumed (visited pixels are
// set to 2). zones, when not nil, gives each pixel's zone bits. Only rows
// marked in live can start a region (the filter leaves the rest empty).
func (rf *regionFinder) find(fg []byte, zones []uint32, live []bool, w, h, minArea int) []region {
	rf.regions = rf.regions[:0]
	n := w * h
	fg = fg[:n]
	live = live[:h]
	for y, ok := range live {
		if !ok {
			continue
		}
		row := fg[y*w : (y+1)*w]
		for x, v := range row {
			if v != 1 {
				continue
			}
			rf.flood(fg, zones, y*w+x, w, h, minArea)
		}
	}
	slices.SortFunc(rf.regions, func(a, b region) int { return b.area - a.area })
	return rf.regions
}

// flood collects the region that holds pixel start and keeps it when it
// has at least minArea pixels.
func (rf *regionFinder) flood(fg []byte, zones []uint32, start, w, h, minArea int) {
	r := region{minX: w, minY: h, maxX: -1, maxY: -1}
	fg[start] = 2
	rf.stack = append(rf.stack[:0], int32(start))
	for len(rf.stack) > 0 {
		i := int(rf.stack[len(rf.stack)-1])
		rf.stack = rf.stack[:len(rf.stack)-1]
		x, y := i%w, i/w
		r.area++
		r.minX, r.maxX = min(r.minX, x), max(r.maxX, x)
		r.minY, r.maxY = min(r.minY, y), max(r.maxY, y)
		if zones != nil {
			r.zones |= zones[i]
		}
		for dy := -1; dy <= 1; dy++ {
			yy := y + dy
			if yy < 0 || yy >= h {
				continue
			}
			for dx := -1; dx <= 1; dx++ {
				xx := x + dx
				if xx < 0 || xx >= w {
					continue
				}
				j := yy*w + xx
				if fg[j] == 1 {
					fg[j] = 2
					rf.stack = append(rf.stack, int32(j))
				}
			}
		}
	}
	if r.area >= minArea {
		rf.regions = append(rf.regions, r)
	}
}
