/* bt_codec.h - the stored form of the bitemporal history: the keys and
 * values of its four LMDB tables byte for byte, the row formats, and the
 * zlib streams that compress snapshots.
 *
 * Pure C: no slapd symbols (lmdb.h for MDB_val and its error codes, zlib,
 * bt_time.h, bt_types.h), so that it builds alone for tests/unit and
 * libFuzzer (tests/fuzz/fuzz_row_codec.c).  A snapshot is what slapd's
 * entry_encode() wrote (back-mdb's own on-disk form of an entry); the
 * codec checks its lengths (bt_snapshot_check) but does not interpret it.
 * bt_store.c is its only user in the module and owns everything LMDB and
 * slapd.  Existing databases are read as
 * they always were: this file names the offsets, it does not move them.
 *
 * Conventions (as lmdb.h's): every function that can fail returns 0 or
 *   MDB_CORRUPTED    stored bytes that do not decode: a length that
 *                    disagrees with what is there, an unknown format or
 *                    operation byte, a zlib stream that does not yield
 *                    exactly the plain length it states;
 *   MDB_BAD_VALSIZE  a field too long for its place in the stored form
 *                    (refused, never cut: an encoder writes only what its
 *                    decoder reads back);
 *   EINVAL           a caller's bug (an unknown format or op to encode);
 *   ENOMEM           zlib could not allocate its state.
 * Decoders read only inside [mv_data, mv_data + mv_size), never past it,
 * and on error leave nothing the caller must free.  Decoded byte fields
 * (names, actor, changed, bodies) point into the bytes given and are valid
 * as long as those are; nothing is copied.  Encoders write into memory the
 * caller provides (sized by the *_size function or the stated maximum).
 * The codec allocates only a bt_zstreams (bt_zstreams_new/free).
 */
#ifndef BT_CODEC_H
#define BT_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "lmdb.h"
#include "bt_time.h"
#include "bt_types.h"

/* ------------------------------------------------------------------ */
/* modir_bt_versions key: uuid(16) validFrom(8) recordedAt(8) seq(4).
 * Times bt_time_put_key()-encoded and seq big-endian, so that byte order
 * is (entity, validFrom, recordedAt, seq) order: a cursor walks an
 * entity's versions in valid-time order. */
#define BT_VK_UUID		0
#define BT_VK_FROM		16
#define BT_VK_RECORDED	24
#define BT_VK_SEQ		32
#define BT_VK_LEN		36
/* The part of the key after the uuid: what a format-3 value stores to
 * name the version (of the same entity) that holds its snapshot. */
#define BT_VK_REF		BT_VK_FROM
#define BT_VK_REF_LEN	( BT_VK_LEN - BT_VK_REF )

typedef struct bt_vkey {
	bt_uuid uuid;
	bt_time from, recorded;
	uint32_t seq;
} bt_vkey;

void bt_vkey_encode( const bt_vkey *k, unsigned char out[BT_VK_LEN] );
/* 0, or MDB_CORRUPTED when key is not BT_VK_LEN bytes */
int bt_vkey_decode( const MDB_val *key, bt_vkey *k );

/* ------------------------------------------------------------------ */
/* modir_bt_versions value: a header of fixed size, the actor and the
 * changed-attribute list (16-bit lengths in the header), then a body
 * whose form the format byte says. */
#define BT_VV_FORMAT		0	/* 1 byte: BT_ROW_* */
#define BT_VV_OP			1	/* 1 byte: bt_opkind */
#define BT_VV_TO			2	/* 8: validTo */
#define BT_VV_SUPERSEDED	10	/* 8: supersededAt (BT_INFINITY: still current) */
#define BT_VV_PARENT		18	/* 16: the parent's uuid, all zero for a root */
#define BT_VV_ACTORLEN		34	/* 2, big-endian */
#define BT_VV_CHANGEDLEN	36	/* 2, big-endian */
#define BT_VV_HDR_LEN		38	/* then actor, changed, body */
#define BT_FIELD_MAX		0xffff	/* the longest actor or changed list */

/* Formats (the body):
 * 1 the snapshot as entry_encode() wrote it;
 * 2 the same deflated: its plain length (4 bytes, big-endian), then a zlib
 *   stream that inflates to exactly that many bytes and ends with the
 *   value.  Snapshots of directory entries compress well (attribute
 *   names, repeated values), which keeps the history near the size of
 *   the directory itself;
 * 3 no snapshot of its own but that of another version of the same
 *   entity, named by the rest of its key (BT_VK_REF_LEN bytes), which is
 *   always a row of format 1 or 2.  A dated change registers the
 *   unchanged parts of a version again with new periods; they share its
 *   snapshot instead of copying it, which halves what a change adds to
 *   the history and how often it splits a page;
 * 4 the snapshot deflated as format 2 lays it out (its plain length, then
 *   the stream), but the stream raw (RFC 1951: no zlib header, no
 *   Adler-32 of its own) and started from a preset dictionary (bt_codec.c,
 *   Compression below).  Written since 2026-12; format 2 rows, written
 *   before, read as they always did.
 * A format-3 row names a row of format 1, 2 or 4. */
#define BT_ROW_PLAIN	1
#define BT_ROW_DEFLATE	2
#define BT_ROW_SAME		3
#define BT_ROW_DEFLATE_DICT	4
#define BT_ROW_LAST		BT_ROW_DEFLATE_DICT
/* a format whose body is a plain length and a deflate stream */
#define BT_ROW_DEFLATED( f )	( (f) == BT_ROW_DEFLATE || (f) == BT_ROW_DEFLATE_DICT )
#define BT_VB_PLAINLEN	4	/* format 2: the plain length before the stream */
/* The largest snapshot a version may hold (its plain size, before
 * deflating): written only if it can be read back. */
#define BT_SNAPSHOT_MAX	( 64 * 1024 * 1024 )
/* No zlib stream inflates to more than 1032 times its size (a 258-byte
 * match per two bits); a plain length beyond that is corrupt, and is
 * refused before anything is allocated for it. */
#define BT_INFLATE_RATIO 1032

typedef struct bt_zstreams bt_zstreams;	/* zlib state: see Compression below */

typedef struct bt_vref {	/* the version holding a format-3 row's snapshot */
	bt_time from, recorded;
	uint32_t seq;
} bt_vref;

/* A version's value, field by field: bt_vval_decode() fills every field
 * (pointers into the value it decodes); the encoders read all but
 * head_len. */
typedef struct bt_vval {
	unsigned format;			/* BT_ROW_* */
	bt_opkind op;
	bt_time to, superseded;
	bt_uuid parent;
	const char *actor;			/* authz DN of the writer, actor_len bytes */
	size_t actor_len;
	const char *changed;		/* space-separated attribute names */
	size_t changed_len;
	/* format 1: the snapshot; 2: the zlib stream (after its plain length);
	 * 3: unused (NULL, 0) */
	const unsigned char *body;
	size_t body_len;
	size_t plain_len;			/* the snapshot's size: 1 body_len, 2 as
								 * stated, 3 unknown here (0) */
	bt_vref ref;				/* format 3 only */
	size_t head_len;			/* decode: header + actor + changed */
} bt_vval;

/* Decodes a stored value.  0, or MDB_CORRUPTED when it is shorter than
 * its header, its actor and changed lengths point past its end, its format
 * or op byte is unknown, a format-1 body exceeds BT_SNAPSHOT_MAX, a
 * format-2 body has no room for its plain length or states one above
 * BT_SNAPSHOT_MAX or above BT_INFLATE_RATIO times its stream, or a format-3
 * body is not exactly BT_VK_REF_LEN bytes.  (Whether a format-2 stream
 * really yields plain_len bytes is known only by inflating it:
 * bt_inflate().) */
int bt_vval_decode( const MDB_val *val, bt_vval *v );
/* The stored size of v (format, op, to, superseded, parent, actor,
 * changed, and body/plain_len or ref as its format says).  0, or
 * MDB_BAD_VALSIZE when actor or changed exceed BT_FIELD_MAX or the
 * snapshot BT_SNAPSHOT_MAX, or EINVAL for an unknown format or op or a
 * format-2 body that bt_vval_decode() would refuse. */
int bt_vval_size( const bt_vval *v, size_t *size );
/* Writes v into out (bt_vval_size() bytes; may be LMDB's MDB_RESERVE
 * space).  Same results as bt_vval_size(); nothing is written on error.
 * For every value that bt_vval_decode() accepts, encoding the result
 * gives the same bytes back. */
int bt_vval_encode( const bt_vval *v, unsigned char *out );
/* Rewrites supersededAt in place in a stored value that bt_vval_decode()
 * accepted: the only change ever made to a stored version. */
void bt_vval_set_superseded( unsigned char *val, bt_time when );

/* Checks that len bytes are a snapshot slapd's entry_decode() reads
 * inside them: entry_encode()'s layout (lengths as it writes them, at
 * least one attribute, every field NUL-terminated, exactly as many
 * values as its header counts, nothing after the last attribute).
 * entry_decode() itself trusts its input; this is what makes a corrupt
 * snapshot a read error instead of a read past the buffer.  0, or
 * MDB_CORRUPTED. */
int bt_snapshot_check( const void *data, size_t len );
/* One of entry_encode()'s lengths at *p (before end), *p moved past it:
 * the snapshot's one reader of them (bt_snapshot_check, bt_decode.c).
 * 0, or -1 for a length cut short by end or not in its shortest form. */
int bt_snapshot_len( const unsigned char **p, const unsigned char *end, size_t *len );
/* The snapshot of v (format 1, 2 or 4) into out, which has room for
 * v->plain_len bytes: copied or inflated (z may be NULL for format 1),
 * then bt_snapshot_check()ed.  0, MDB_CORRUPTED, EINVAL for format 3 (its
 * snapshot is another row's), or ENOMEM. */
int bt_vval_snapshot( bt_zstreams *z, const bt_vval *v, void *out );

/* ------------------------------------------------------------------ */
/* modir_bt_names key: parent uuid(16), then the normalized RDN (roots,
 * whose parent is all zero, are keyed by their whole normalized DN);
 * modir_bt_refs key: target uuid(16), then the name of the referring
 * attribute's type (sat_cname: a reference through moRefUnit;x-foo is
 * kept under moRefUnit; bt_store_open moves what older versions kept
 * under the whole description).  Both values: a uuid(16).
 * LMDB's default maximum key size is 511 bytes: a name longer than
 * BT_NAME_MAX is cut to it, the same way when stored and when looked up
 * (one encoder for both).  A cut key can only add candidates, which every
 * lookup checks against the version's real content. */
#define BT_NK_UUID		0
#define BT_NK_NAME		16
#define BT_NAME_MAX		( 480 - BT_UUID_LEN )
#define BT_NK_MAX		( BT_NK_NAME + BT_NAME_MAX )

/* Writes the key of (u, name) into out; returns its length. */
size_t bt_nkey_encode( const bt_uuid *u, const char *name, size_t len,
	unsigned char out[BT_NK_MAX] );
/* 0, or MDB_CORRUPTED when key is shorter than a uuid or longer than
 * BT_NK_MAX.  *name points into key. */
int bt_nkey_decode( const MDB_val *key, bt_uuid *u, const char **name, size_t *len );
/* A names or refs value: 0, or MDB_CORRUPTED unless it is BT_UUID_LEN bytes. */
int bt_uuid_decode( const MDB_val *val, bt_uuid *u );

/* ------------------------------------------------------------------ */
/* modir_bt_due key: due time(8) uuid(16), value empty: an activation
 * still to run; byte order is time order. */
#define BT_DK_TIME		0
#define BT_DK_UUID		8
#define BT_DK_LEN		24

void bt_dkey_encode( bt_time t, const bt_uuid *u, unsigned char out[BT_DK_LEN] );
/* 0, or MDB_CORRUPTED when key is not BT_DK_LEN bytes */
int bt_dkey_decode( const MDB_val *key, bt_time *t, bt_uuid *u );

/* ------------------------------------------------------------------ */
/* Compression.
 *
 * zlib's one-shot compress2()/uncompress() set up and tear down a whole
 * stream per call (deflate's ~270 KB of window and hash tables, zeroed),
 * which costs more than compressing a 1-2 KB snapshot and is paid inside
 * back-mdb's write lock.  A bt_zstreams keeps one deflate and one inflate
 * stream, each set up on first use and reset per use; the caller keeps
 * one per thread (bt_store.c: under a thread-pool key) and never shares
 * it between threads.  A 4 KB window covers a directory entry; the output
 * is a format-4 body's stream.  A snapshot that fits BT_LZ_MAX (bt_lz.h)
 * is deflated by an encoder of that one kind of stream instead of zlib's
 * deflate (a fifth of the instructions, the same size); inflating is
 * zlib's either way.
 *
 * Why format 4: inflating a snapshot is most of what reading a version
 * costs (an as-of read of the whole organisation inflates every entry).
 * A stream of deflate's fixed Huffman codes needs no code tables built
 * per stream (half of inflate's instructions for a snapshot of a few
 * hundred bytes); started from a preset dictionary (bt_zdict in
 * bt_codec.c: the names and values nearly every snapshot holds) it is
 * still smaller than a format-2 stream; and a raw stream computes no
 * Adler-32 of its output or of the dictionary (a tenth of an as-of
 * read of the organisation when the stream was a zlib one naming the
 * dictionary).  What the checksum caught, bt_snapshot_check() catches:
 * every inflated snapshot is checked before anything reads it.  The
 * dictionary is part of the stored form: it never changes (another one
 * would be another format). */
/* NULL when out of memory; free with bt_zstreams_free() (NULL is fine). */
bt_zstreams *bt_zstreams_new( void );
void bt_zstreams_free( bt_zstreams *z );

/* Deflates len bytes of a snapshot into out, which has room for len
 * bytes: the stream of a format-4 body (its plain length is len).
 * *outlen is its size, or 0 when deflating would not make the value
 * smaller (the stream and its plain length would take len bytes or more):
 * store it plain.  0, MDB_BAD_VALSIZE when len exceeds BT_SNAPSHOT_MAX,
 * or ENOMEM. */
int bt_deflate( bt_zstreams *z, const void *in, size_t len,
	unsigned char *out, size_t *outlen );
/* Inflates the body of v (format 2 or 4, as bt_vval_decode() returned it)
 * into out, which has room for v->plain_len bytes.  0, MDB_CORRUPTED when
 * the body is not one stream of its format that yields exactly plain_len
 * bytes and ends where the body ends, EINVAL when v is of another format,
 * or ENOMEM. */
int bt_inflate( bt_zstreams *z, const bt_vval *v, void *out );

#endif /* BT_CODEC_H */
