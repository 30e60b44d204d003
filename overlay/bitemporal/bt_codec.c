/* bt_codec.c - the stored form of the bitemporal history: encoding and
 * checked decoding of its keys and values, and the zlib streams.  The
 * layout and the contract are in bt_codec.h; every offset used here is
 * named there. */

#include "bt_codec.h"
#include "bt_lz.h"

#include <errno.h>
#include <stddef.h>		/* max_align_t */
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

static void
put_u16( unsigned char *p, size_t v )
{
	p[0] = ( v >> 8 ) & 0xff;
	p[1] = v & 0xff;
}

static size_t
get_u16( const unsigned char *p )
{
	return ( (size_t)p[0] << 8 ) | p[1];
}

static void
put_u32( unsigned char *p, uint32_t v )
{
	p[0] = v >> 24; p[1] = ( v >> 16 ) & 0xff; p[2] = ( v >> 8 ) & 0xff; p[3] = v & 0xff;
}

static uint32_t
get_u32( const unsigned char *p )
{
	return ( (uint32_t)p[0] << 24 ) | ( (uint32_t)p[1] << 16 ) |
		( (uint32_t)p[2] << 8 ) | p[3];
}

/* ------------------------------------------------------------------ */
void
bt_vkey_encode( const bt_vkey *k, unsigned char out[BT_VK_LEN] )
{
	memcpy( out + BT_VK_UUID, k->uuid.u, BT_UUID_LEN );
	bt_time_put_key( k->from, out + BT_VK_FROM );
	bt_time_put_key( k->recorded, out + BT_VK_RECORDED );
	put_u32( out + BT_VK_SEQ, k->seq );
}

int
bt_vkey_decode( const MDB_val *key, bt_vkey *k )
{
	const unsigned char *p = key->mv_data;

	if ( key->mv_size != BT_VK_LEN ) return MDB_CORRUPTED;
	memcpy( k->uuid.u, p + BT_VK_UUID, BT_UUID_LEN );
	k->from = bt_time_get_key( p + BT_VK_FROM );
	k->recorded = bt_time_get_key( p + BT_VK_RECORDED );
	k->seq = get_u32( p + BT_VK_SEQ );
	return 0;
}

/* ------------------------------------------------------------------ */
/* The body of a format-3 value is the key suffix of BT_VK_REF onwards. */
static void
vref_encode( const bt_vref *r, unsigned char out[BT_VK_REF_LEN] )
{
	bt_time_put_key( r->from, out + BT_VK_FROM - BT_VK_REF );
	bt_time_put_key( r->recorded, out + BT_VK_RECORDED - BT_VK_REF );
	put_u32( out + BT_VK_SEQ - BT_VK_REF, r->seq );
}

static void
vref_decode( const unsigned char in[BT_VK_REF_LEN], bt_vref *r )
{
	r->from = bt_time_get_key( in + BT_VK_FROM - BT_VK_REF );
	r->recorded = bt_time_get_key( in + BT_VK_RECORDED - BT_VK_REF );
	r->seq = get_u32( in + BT_VK_SEQ - BT_VK_REF );
}

/* Whether a format-2 body of len stream bytes may state plain. */
static int
deflated_fits( size_t plain, size_t len )
{
	return plain <= BT_SNAPSHOT_MAX &&
		( len >= BT_SNAPSHOT_MAX || plain <= (size_t)BT_INFLATE_RATIO * len );
}

int
bt_vval_decode( const MDB_val *val, bt_vval *v )
{
	const unsigned char *p = val->mv_data;
	size_t size = val->mv_size, head, blen;
	bt_vval d;

	if ( size < BT_VV_HDR_LEN ) return MDB_CORRUPTED;
	memset( &d, 0, sizeof( d ) );
	d.format = p[BT_VV_FORMAT];
	if ( d.format < BT_ROW_PLAIN || d.format > BT_ROW_LAST ) return MDB_CORRUPTED;
	if ( p[BT_VV_OP] > BT_OP_LAST ) return MDB_CORRUPTED;
	d.op = (bt_opkind)p[BT_VV_OP];
	d.to = bt_time_get_key( p + BT_VV_TO );
	d.superseded = bt_time_get_key( p + BT_VV_SUPERSEDED );
	memcpy( d.parent.u, p + BT_VV_PARENT, BT_UUID_LEN );
	d.actor_len = get_u16( p + BT_VV_ACTORLEN );
	d.changed_len = get_u16( p + BT_VV_CHANGEDLEN );
	/* each at most 0xffff: no overflow */
	head = BT_VV_HDR_LEN + d.actor_len + d.changed_len;
	if ( head > size ) return MDB_CORRUPTED;
	d.actor = (const char *)p + BT_VV_HDR_LEN;
	d.changed = d.actor + d.actor_len;
	d.head_len = head;
	blen = size - head;

	switch ( d.format ) {
	case BT_ROW_PLAIN:
		if ( blen > BT_SNAPSHOT_MAX ) return MDB_CORRUPTED;
		d.body = p + head;
		d.body_len = d.plain_len = blen;
		break;
	case BT_ROW_DEFLATE:
	case BT_ROW_DEFLATE_DICT:
		if ( blen < BT_VB_PLAINLEN ) return MDB_CORRUPTED;
		d.plain_len = get_u32( p + head );
		d.body = p + head + BT_VB_PLAINLEN;
		d.body_len = blen - BT_VB_PLAINLEN;
		if ( !deflated_fits( d.plain_len, d.body_len ) ) return MDB_CORRUPTED;
		break;
	case BT_ROW_SAME:
		if ( blen != BT_VK_REF_LEN ) return MDB_CORRUPTED;
		vref_decode( p + head, &d.ref );
		break;
	}
	*v = d;
	return 0;
}

int
bt_vval_size( const bt_vval *v, size_t *size )
{
	size_t body;

	if ( (unsigned)v->op > BT_OP_LAST ) return EINVAL;
	if ( v->actor_len > BT_FIELD_MAX || v->changed_len > BT_FIELD_MAX )
		return MDB_BAD_VALSIZE;
	switch ( v->format ) {
	case BT_ROW_PLAIN:
		if ( v->body_len > BT_SNAPSHOT_MAX ) return MDB_BAD_VALSIZE;
		body = v->body_len;
		break;
	case BT_ROW_DEFLATE:
	case BT_ROW_DEFLATE_DICT:
		if ( v->plain_len > BT_SNAPSHOT_MAX ) return MDB_BAD_VALSIZE;
		if ( !deflated_fits( v->plain_len, v->body_len ) ) return EINVAL;
		body = BT_VB_PLAINLEN + v->body_len;
		break;
	case BT_ROW_SAME:
		body = BT_VK_REF_LEN;
		break;
	default:
		return EINVAL;
	}
	*size = BT_VV_HDR_LEN + v->actor_len + v->changed_len + body;
	return 0;
}

int
bt_vval_encode( const bt_vval *v, unsigned char *out )
{
	unsigned char *p;
	size_t size;
	int rc = bt_vval_size( v, &size );

	if ( rc ) return rc;
	out[BT_VV_FORMAT] = v->format;
	out[BT_VV_OP] = v->op;
	bt_time_put_key( v->to, out + BT_VV_TO );
	bt_time_put_key( v->superseded, out + BT_VV_SUPERSEDED );
	memcpy( out + BT_VV_PARENT, v->parent.u, BT_UUID_LEN );
	put_u16( out + BT_VV_ACTORLEN, v->actor_len );
	put_u16( out + BT_VV_CHANGEDLEN, v->changed_len );
	p = out + BT_VV_HDR_LEN;
	if ( v->actor_len ) memcpy( p, v->actor, v->actor_len );
	p += v->actor_len;
	if ( v->changed_len ) memcpy( p, v->changed, v->changed_len );
	p += v->changed_len;
	switch ( v->format ) {
	case BT_ROW_DEFLATE:
	case BT_ROW_DEFLATE_DICT:
		put_u32( p, (uint32_t)v->plain_len );
		p += BT_VB_PLAINLEN;
		/* fall through */
	case BT_ROW_PLAIN:
		if ( v->body_len ) memcpy( p, v->body, v->body_len );
		break;
	case BT_ROW_SAME:
		vref_encode( &v->ref, p );
		break;
	}
	return 0;
}

void
bt_vval_set_superseded( unsigned char *val, bt_time when )
{
	bt_time_put_key( when, val + BT_VV_SUPERSEDED );
}

/* ------------------------------------------------------------------ */
/* entry_encode()'s lengths (slapd entry.c, entry_putlen): below 0x80 one
 * byte; else 0x80 | n, then the length in n (1-4) big-endian bytes, the
 * fewest that hold it. */
int
bt_snapshot_len( const unsigned char **p, const unsigned char *end, size_t *len )
{
	static const size_t least[5] = { 0, 0x80, 0x100, 0x10000, 0x1000000 };
	size_t n, i, v;

	if ( *p >= end ) return -1;
	v = *( *p )++;
	if ( v < 0x80 ) {
		*len = v;
		return 0;
	}
	n = v & 0x7f;
	if ( n < 1 || n > 4 || (size_t)( end - *p ) < n ) return -1;
	for ( v = 0, i = 0; i < n; i++ ) v = ( v << 8 ) | *( *p )++;
	if ( v < least[n] ) return -1;
	*len = v;
	return 0;
}

/* A length, that many bytes and a NUL. */
static int
snap_field( const unsigned char **p, const unsigned char *end, size_t *len )
{
	if ( bt_snapshot_len( p, end, len ) || (size_t)( end - *p ) <= *len || ( *p )[*len] != '\0' )
		return -1;
	*p += *len + 1;
	return 0;
}

int
bt_snapshot_check( const void *data, size_t len )
{
	const unsigned char *p = data, *end = p + len;
	size_t nattrs, nvals, seen = 0, a, i, n, k, flen;

	if ( bt_snapshot_len( &p, end, &nattrs ) || bt_snapshot_len( &p, end, &nvals ) ) return MDB_CORRUPTED;
	/* the DN and the normalized DN; then the attributes, each with
	 * a name (never empty: an empty one ends entry_decode's walk) */
	if ( nattrs < 1 || snap_field( &p, end, &flen ) || snap_field( &p, end, &flen ) )
		return MDB_CORRUPTED;
	for ( a = 0; a < nattrs; a++ ) {
		if ( snap_field( &p, end, &flen ) || flen == 0 ) return MDB_CORRUPTED;
		if ( bt_snapshot_len( &p, end, &n ) ) return MDB_CORRUPTED;
		for ( i = 0; i < n; i++ )
			if ( snap_field( &p, end, &flen ) ) return MDB_CORRUPTED;
		/* normalized values: none (the same as the values) or one each */
		if ( bt_snapshot_len( &p, end, &k ) || ( k != 0 && k != n ) ) return MDB_CORRUPTED;
		for ( i = 0; i < k; i++ )
			if ( snap_field( &p, end, &flen ) ) return MDB_CORRUPTED;
		/* entry_decode() fills nvals bervals: each list and its end */
		seen += n + 1 + ( k ? k + 1 : 0 );
		if ( seen > nvals ) return MDB_CORRUPTED;
	}
	return p == end && seen == nvals ? 0 : MDB_CORRUPTED;
}

int
bt_vval_snapshot( bt_zstreams *z, const bt_vval *v, void *out )
{
	int rc;

	switch ( v->format ) {
	case BT_ROW_PLAIN:
		if ( v->body_len ) memcpy( out, v->body, v->body_len );
		break;
	case BT_ROW_DEFLATE:
	case BT_ROW_DEFLATE_DICT:
		if ( !z ) return EINVAL;
		if ( ( rc = bt_inflate( z, v, out ) ) ) return rc;
		break;
	default:
		return EINVAL;
	}
	return bt_snapshot_check( out, v->plain_len );
}

/* ------------------------------------------------------------------ */
size_t
bt_nkey_encode( const bt_uuid *u, const char *name, size_t len,
	unsigned char out[BT_NK_MAX] )
{
	if ( len > BT_NAME_MAX ) len = BT_NAME_MAX;
	memcpy( out + BT_NK_UUID, u->u, BT_UUID_LEN );
	if ( len ) memcpy( out + BT_NK_NAME, name, len );
	return BT_NK_NAME + len;
}

int
bt_nkey_decode( const MDB_val *key, bt_uuid *u, const char **name, size_t *len )
{
	if ( key->mv_size < BT_NK_NAME || key->mv_size > BT_NK_MAX ) return MDB_CORRUPTED;
	memcpy( u->u, (const unsigned char *)key->mv_data + BT_NK_UUID, BT_UUID_LEN );
	*name = (const char *)key->mv_data + BT_NK_NAME;
	*len = key->mv_size - BT_NK_NAME;
	return 0;
}

int
bt_uuid_decode( const MDB_val *val, bt_uuid *u )
{
	if ( val->mv_size != BT_UUID_LEN ) return MDB_CORRUPTED;
	memcpy( u->u, val->mv_data, BT_UUID_LEN );
	return 0;
}

/* ------------------------------------------------------------------ */
void
bt_dkey_encode( bt_time t, const bt_uuid *u, unsigned char out[BT_DK_LEN] )
{
	bt_time_put_key( t, out + BT_DK_TIME );
	memcpy( out + BT_DK_UUID, u->u, BT_UUID_LEN );
}

int
bt_dkey_decode( const MDB_val *key, bt_time *t, bt_uuid *u )
{
	if ( key->mv_size != BT_DK_LEN ) return MDB_CORRUPTED;
	*t = bt_time_get_key( (const unsigned char *)key->mv_data + BT_DK_TIME );
	memcpy( u->u, (const unsigned char *)key->mv_data + BT_DK_UUID, BT_UUID_LEN );
	return 0;
}

/* ------------------------------------------------------------------ */
#define BT_Z_KEPT 8	/* more than the blocks of one deflate state */

struct bt_zstreams {
	z_stream def, inf;
	int def_ok, inf_ok;		/* set up (deflateInit2/inflateInit done) */
	/* a deflate stream that has read the dictionary and nothing else:
	 * each snapshot's stream is a copy of it (deflateCopy), since setting
	 * the dictionary per stream hashes all of it again (~17 k
	 * instructions, a fifth of deflating a snapshot; the copy ~2 k) */
	z_stream primed;
	int primed_ok;
	/* where a snapshot is inflated before it is copied out: zlib decodes
	 * fast only while 258 bytes of output room are left, so into a buffer
	 * of exactly the snapshot's size the last 258 bytes (of a few
	 * hundred) went through its slow loop, a third of the inflate */
	unsigned char *scratch;
	size_t scratch_len;
	/* the blocks of the last snapshot's deflate state, for the next copy
	 * of the primed stream (zalloc_keep/zfree_keep): deflateCopy allocates
	 * the same five blocks (~40 KB) every time, and as malloc and free they
	 * were a third of deflating a snapshot */
	void *kept[BT_Z_KEPT];
	size_t kept_size[BT_Z_KEPT];
	int nkept;
	/* the encoder of every snapshot that fits it (bt_lz.h): a fifth of
	 * zlib's instructions for the same streams; zlib deflates the rest */
	bt_lz *lz;
	int lz_failed;
};

#define INFLATE_SLACK 258			/* zlib's MAX_MATCH: inflate_fast's need */
#define INFLATE_SCRATCH_MAX 8192	/* per thread; larger snapshots (few) go straight to out */

/* deflate's parameters: fast, and a 4 KB window (2^12) that covers a
 * directory entry at a sixteenth of the default's memory.  memLevel sizes
 * the match hash (2^(memLevel+7) heads, copied with the primed stream
 * once per snapshot written) and the symbol buffer (2^(memLevel+6)):
 * at 5, 8 KB copied instead of 64 KB at the default 8, and room for 2048
 * symbols, more than a snapshot of a few KB makes.  Measured on the
 * snapshots of a benchmark directory (2,000 employees, 793 bytes plain
 * on average): the same 430 bytes deflated at 8, 5 and 4. */
#define BT_Z_LEVEL		Z_BEST_SPEED
#define BT_Z_WINDOW		12
#define BT_Z_MEMLEVEL	5
/* Format 4 (bt_codec.h): fixed Huffman codes, a raw stream, the preset
 * dictionary.  A stream with its own code tables makes inflate build them
 * per stream, ~15 k of the ~30 k instructions a snapshot of 500-800 bytes
 * costs to inflate; without them it is ~13 % larger, which the dictionary
 * more than wins back (the entries of a benchmark directory, 533 bytes
 * plain on average: 0.63 of the plain size in format 2, 0.59 in format 4;
 * deflate the same). */
#define BT_Z_STRATEGY	Z_FIXED

/* The preset dictionary of every format-4 stream (see bt_codec.h,
 * Compression): what nearly every snapshot holds, as
 * entry_encode() writes it (an attribute's name ends with a NUL), the
 * most frequent last, where the shortest distances reach it.  Part of
 * the stored form: never edited. */
static const char bt_zdict[] =
	/* the OIO schema's attributes, rarest first */
	"moRefITUser\0moRefRole\0moKLENumber\0moRefTimePlanning\0moRefKLEAspect\0"
	"moNicknameGivenName\0moNicknameSurname\0moPublished\0moRefFacet\0moName\0"
	"moRefManagerLevel\0moRefManagerType\0moRefUnitManager\0moUnitManagerDN\0"
	"moRefEngagement\0moRefUnitHierarchy\0moRefUnitLevel\0moRefUnitType\0"
	"moUnitPath\0moRefResponsibility\0mobile\0moExtension1\0telephoneNumber\0"
	"description\0moValidTo\0mail\0departmentNumber\0employeeNumber\0"
	"employeeType\0manager\0moDirectReports\0moExternalID\0title\0moFraction\0"
	"moRefEngagementType\0moRefJobFunction\0givenName\0moActive\0moCPRNumber\0"
	"moSeniority\0sn\0uid\0ou\0moRefUnit\0moRefLinkedEngagement\0moRefITSystem\0"
	"moUserName\0moAddressValue\0moRefAddressType\0moRefOwner\0moRefVisibility\0"
	"moPrimary\0moRefPerson\0moUserKey\0cn\0"
	/* object classes and the commonest values */
	"organization\0dcObject\0moOrganisation\0moRelatedUnits\0moFacet\0moOwner\0"
	"moAssociation\0moLeave\0moRoleBinding\0moKLE\0moClass\0moManager\0moOrgUnit\0"
	"organizationalUnit\0moEngagement\0organizationalPerson\0person\0moPerson\0"
	"inetOrgPerson\0moITUser\0moAddress\0top\0FALSE\0TRUE\0"
	/* what slapd stores in every entry */
	"structuralObjectClass\0createTimestamp\0creatorsName\0entryCSN\0"
	"#000000#000#000000\0entryUUID\0modifiersName\0modifyTimestamp\0objectClass\0";
#define BT_ZDICT_LEN	( sizeof( bt_zdict ) - 1 )

/* zlib's allocator for the deflate streams: a block freed is kept for
 * the next request of its size (a block's size is in a header before it:
 * zfree is not told it), up to BT_Z_KEPT blocks */
typedef union { size_t size; max_align_t align; } zblock_head;

static voidpf
zalloc_keep( voidpf opaque, uInt items, uInt size )
{
	bt_zstreams *z = opaque;
	size_t want = (size_t)items * size;
	zblock_head *h;
	int i;

	if ( size && want / size != items ) return Z_NULL;
	for ( i = 0; i < z->nkept; i++ ) {
		if ( z->kept_size[i] != want ) continue;
		h = z->kept[i];
		z->nkept--;
		z->kept[i] = z->kept[z->nkept];
		z->kept_size[i] = z->kept_size[z->nkept];
		return h + 1;
	}
	if ( want > (size_t)-1 - sizeof( *h ) || !( h = malloc( sizeof( *h ) + want ) ) ) return Z_NULL;
	h->size = want;
	return h + 1;
}

static void
zfree_keep( voidpf opaque, voidpf p )
{
	bt_zstreams *z = opaque;
	zblock_head *h;

	if ( !p ) return;
	h = (zblock_head *)p - 1;
	if ( z->nkept < BT_Z_KEPT ) {
		z->kept[z->nkept] = h;
		z->kept_size[z->nkept++] = h->size;
	} else {
		free( h );
	}
}

bt_zstreams *
bt_zstreams_new( void )
{
	return calloc( 1, sizeof( bt_zstreams ) );
}

void
bt_zstreams_free( bt_zstreams *z )
{
	if ( !z ) return;
	if ( z->def_ok ) deflateEnd( &z->def );
	if ( z->primed_ok ) deflateEnd( &z->primed );
	if ( z->inf_ok ) inflateEnd( &z->inf );
	bt_lz_free( z->lz );
	while ( z->nkept > 0 ) free( z->kept[--z->nkept] );
	free( z->scratch );
	free( z );
}

int
bt_deflate( bt_zstreams *z, const void *in, size_t len,
	unsigned char *out, size_t *outlen )
{
	int zrc;

	*outlen = 0;
	if ( len > BT_SNAPSHOT_MAX ) return MDB_BAD_VALSIZE;
	/* smaller means the stream and its plain length in under len bytes */
	if ( len <= BT_VB_PLAINLEN + 1 ) return 0;
	if ( !z->lz && !z->lz_failed &&
		!( z->lz = bt_lz_new( (const unsigned char *)bt_zdict, BT_ZDICT_LEN ) ) )
		z->lz_failed = 1;		/* no memory for it: zlib does it all */
	if ( z->lz ) {
		/* 0: not smaller, *outlen stays 0 (stored plain) */
		zrc = bt_lz_deflate( z->lz, in, len, out, len - BT_VB_PLAINLEN - 1, outlen );
		if ( zrc >= 0 ) return 0;
	}
	if ( !z->primed_ok ) {
		/* deflateCopy gives the copies the allocator of the original */
		z->primed.zalloc = zalloc_keep;
		z->primed.zfree = zfree_keep;
		z->primed.opaque = z;
		if ( deflateInit2( &z->primed, BT_Z_LEVEL, Z_DEFLATED, -BT_Z_WINDOW,
				BT_Z_MEMLEVEL, BT_Z_STRATEGY ) != Z_OK )
			return ENOMEM;
		if ( deflateSetDictionary( &z->primed, (const Bytef *)bt_zdict, BT_ZDICT_LEN ) != Z_OK ) {
			deflateEnd( &z->primed );
			return ENOMEM;
		}
		z->primed_ok = 1;
	}
	if ( z->def_ok ) {
		deflateEnd( &z->def );
		z->def_ok = 0;
	}
	if ( deflateCopy( &z->def, &z->primed ) != Z_OK ) return ENOMEM;
	z->def_ok = 1;
	z->def.next_in = (Bytef *)in;
	z->def.avail_in = len;
	z->def.next_out = out;
	/* no room for a stream that would not be smaller: deflate stops
	 * short of its end, and the snapshot is stored plain */
	z->def.avail_out = len - BT_VB_PLAINLEN - 1;
	zrc = deflate( &z->def, Z_FINISH );
	if ( zrc == Z_STREAM_END ) *outlen = z->def.total_out;
	return 0;
}

int
bt_inflate( bt_zstreams *z, const bt_vval *v, void *out )
{
	int raw = v->format == BT_ROW_DEFLATE_DICT;
	unsigned char *dst = out;
	size_t room = v->plain_len;

	if ( !BT_ROW_DEFLATED( v->format ) ) return EINVAL;
	if ( v->plain_len <= INFLATE_SCRATCH_MAX ) {
		if ( !z->scratch ) {
			if ( !( z->scratch = malloc( INFLATE_SCRATCH_MAX + INFLATE_SLACK ) ) ) return ENOMEM;
			z->scratch_len = INFLATE_SCRATCH_MAX + INFLATE_SLACK;
		}
		dst = z->scratch;
		room = v->plain_len + INFLATE_SLACK;	/* more than plain_len: corrupt, below */
	}
	/* one stream for both: a raw one (negative window bits) or a zlib one,
	 * the same window */
	if ( !z->inf_ok ) {
		z->inf.next_in = Z_NULL;
		z->inf.avail_in = 0;
		if ( inflateInit2( &z->inf, raw ? -MAX_WBITS : MAX_WBITS ) != Z_OK ) return ENOMEM;
		z->inf_ok = 1;
	} else if ( inflateReset2( &z->inf, raw ? -MAX_WBITS : MAX_WBITS ) != Z_OK ) {
		return ENOMEM;
	}
	if ( raw && inflateSetDictionary( &z->inf, (const Bytef *)bt_zdict, BT_ZDICT_LEN ) != Z_OK )
		return ENOMEM;
	z->inf.next_in = (Bytef *)v->body;
	z->inf.avail_in = v->body_len;
	z->inf.next_out = dst;
	z->inf.avail_out = room;
	/* a format-2 stream that asks for a dictionary is none of ours */
	if ( inflate( &z->inf, Z_FINISH ) != Z_STREAM_END ||
		z->inf.total_out != v->plain_len || z->inf.avail_in != 0 )
		return MDB_CORRUPTED;
	if ( dst != out ) memcpy( out, dst, v->plain_len );
	return 0;
}
