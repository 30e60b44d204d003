/* bt_lz.h - a deflate encoder of one kind of stream: what format 4 of the
 * history stores (bt_codec.h), a raw RFC 1951 stream of one block of
 * fixed Huffman codes, started from a preset dictionary.  Any inflater
 * given the dictionary reads it; bt_codec.c's bt_deflate() uses it for
 * every snapshot that fits BT_LZ_MAX and zlib's deflate for the rest.
 *
 * Why not zlib's deflate: at level 1 it spent ~100 k instructions on a
 * person's snapshot of ~800 bytes, half of what a single writer's modify
 * added to back-mdb's own (docs/performance.md, issue 12).  A snapshot
 * is small, its window is the dictionary and itself, and its codes are
 * fixed: a greedy matcher over a hash of 4 bytes and an encoder of the
 * fixed codes from tables do the same job in a fraction of that, at
 * about the same size.
 *
 * Pure C (no slapd symbols), like bt_codec.c.  A bt_lz is one thread's:
 * never shared between threads. */
#ifndef BT_LZ_H
#define BT_LZ_H

#include <stddef.h>

/* The most bytes of dictionary and input together that bt_lz_deflate
 * takes (its positions are 16 bits; every distance stays within
 * deflate's 32 KB window). */
#define BT_LZ_MAX	16384

typedef struct bt_lz bt_lz;

/* An encoder primed with the dictionary dict (dlen bytes, kept by the
 * caller for the encoder's life).  NULL when out of memory or when dlen
 * leaves no room for input. */
bt_lz *bt_lz_new( const unsigned char *dict, size_t dlen );
void bt_lz_free( bt_lz *lz );

/* The stream of len bytes at in into out, which has room bytes.  Returns
 * 1 with *outlen its size; 0 when it would need more than room bytes
 * (nothing usable in out); -1 when dictionary and input exceed
 * BT_LZ_MAX (the caller deflates it otherwise). */
int bt_lz_deflate( bt_lz *lz, const void *in, size_t len,
	unsigned char *out, size_t room, size_t *outlen );

#endif /* BT_LZ_H */
