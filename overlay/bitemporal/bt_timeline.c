/* bt_timeline.c - names and snapshots at a point in (valid, known) time.
 *
 * A version stores its RDN and its parent's entryUUID; the DN an entry had
 * at (validAt, knownAt) is rebuilt by walking the parents' versions at that
 * same point, and a DN is resolved the other way, one RDN at a time from
 * the root, through the names table.  Both cost one B-tree lookup per
 * level plus the versions of the entities on the path.
 */
#include "portable.h"

#include <ac/string.h>

#include "slap.h"

#include "bitemporal.h"

int
bt_entry_uuid( Entry *e, bt_uuid *u )
{
	Attribute *a = attr_find( e->e_attrs, slap_schema.si_ad_entryUUID );

	if ( !a || a->a_nvals[0].bv_len != BT_UUID_LEN ) return -1;
	memcpy( u->u, a->a_nvals[0].bv_val, BT_UUID_LEN );
	return 0;
}

int
bt_is_tracked( bt_info *bi, Entry *e )
{
	int i;

	if ( bi->bt_nsubtrees ) {
		for ( i = 0; !BER_BVISNULL( &bi->bt_nsubtrees[i] ); i++ ) {
			if ( dnIsSuffix( &e->e_nname, &bi->bt_nsubtrees[i] ) ) break;
		}
		if ( BER_BVISNULL( &bi->bt_nsubtrees[i] ) ) return 0;
	}
	if ( bi->bt_ocs ) {
		for ( i = 0; bi->bt_ocs[i]; i++ ) {
			if ( is_entry_objectclass( e, bi->bt_ocs[i], 0 ) ) return 1;
		}
		return 0;
	}
	return 1;
}

/* The DN stored in a version's snapshot (as it was when registered) and
 * its normalized RDN (the whole DN for roots).  Points into the row. */
static int
row_stored_dn( bt_row *r, struct berval *dn, struct berval *ndn )
{
	EntryHeader eh;

	eh.bv = r->blob;
	if ( entry_header( &eh ) || entry_decode_dn( &eh, dn, ndn ) ) return MDB_CORRUPTED;
	return 0;
}

int
bt_row_nrdn( bt_info *bi, bt_row *r, struct berval *nrdn, struct berval *rdn )
{
	struct berval dn, ndn;
	int rc = row_stored_dn( r, &dn, &ndn );

	if ( rc ) return rc;
	if ( bt_uuid_is_zero( &r->parent ) ) {
		*nrdn = ndn;
		if ( rdn ) *rdn = dn;
	} else {
		dnRdn( &ndn, nrdn );
		if ( rdn ) dnRdn( &dn, rdn );
	}
	return 0;
}

/* Among candidates, the one whose version at (vt, kt) has this parent
 * and this name: 0, MDB_NOTFOUND, or the error of a version that cannot
 * be read (it might be the one: never taken for "not this one"). */
static int
pick_named( bt_info *bi, MDB_txn *txn, bt_uuid *cands, int n,
	const bt_uuid *parent, struct berval *nrdn, bt_time vt, bt_time kt,
	bt_uuid *u, bt_row *row )
{
	bt_row r;
	struct berval have;
	int i;

	for ( i = 0; i < n; i++ ) {
		int rc = bt_row_at( bi, txn, &cands[i], vt, kt, &r );
		if ( rc == MDB_NOTFOUND ) continue;
		if ( rc ) return rc;
		if ( memcmp( &r.parent, parent, sizeof( bt_uuid ) ) == 0 &&
			( rc = bt_row_nrdn( bi, &r, &have, NULL ) ) ) {
			bt_row_free( &r );
			return rc;
		}
		if ( memcmp( &r.parent, parent, sizeof( bt_uuid ) ) == 0 &&
			dn_match( &have, nrdn ) ) {
			*u = cands[i];
			if ( row ) *row = r;
			else bt_row_free( &r );
			return 0;
		}
		bt_row_free( &r );
	}
	return MDB_NOTFOUND;
}

int
bt_resolve( bt_info *bi, MDB_txn *txn, struct berval *ndn,
	bt_time vt, bt_time kt, bt_uuid *u, bt_row *row )
{
	static const bt_uuid zero;
	bt_uuid *cands = NULL, parent;
	struct berval pdn, nrdn;
	int n = 0, rc;

	if ( BER_BVISEMPTY( ndn ) ) return MDB_NOTFOUND;

	/* a root: kept under its whole DN */
	rc = bt_names_get( bi, txn, &zero, ndn, &cands, &n );
	if ( rc ) return rc;
	if ( n ) {
		rc = pick_named( bi, txn, cands, n, &zero, ndn, vt, kt, u, row );
		ch_free( cands );
		if ( rc != MDB_NOTFOUND ) return rc;
	}

	dnParent( ndn, &pdn );
	if ( BER_BVISEMPTY( &pdn ) ) return MDB_NOTFOUND;
	rc = bt_resolve( bi, txn, &pdn, vt, kt, &parent, NULL );
	if ( rc ) return rc;
	dnRdn( ndn, &nrdn );
	rc = bt_names_get( bi, txn, &parent, &nrdn, &cands, &n );
	if ( rc ) return rc;
	rc = pick_named( bi, txn, cands, n, &parent, &nrdn, vt, kt, u, row );
	ch_free( cands );
	return rc;
}

/* Every entity that was ever named ndn (under any version of its
 * ancestors), without regard to time. */
int
bt_ever_named( bt_info *bi, MDB_txn *txn, struct berval *ndn, bt_uuid **out, int *nout )
{
	static const bt_uuid zero;
	bt_uuid *cands = NULL, *parents = NULL;
	struct berval pdn, nrdn;
	int n = 0, np = 0, i, j, rc;

	*out = NULL;
	*nout = 0;
	if ( BER_BVISEMPTY( ndn ) ) return 0;
	rc = bt_names_get( bi, txn, &zero, ndn, &cands, &n );
	if ( rc ) return rc;
	*out = cands;
	*nout = n;

	dnParent( ndn, &pdn );
	if ( BER_BVISEMPTY( &pdn ) ) return 0;
	rc = bt_ever_named( bi, txn, &pdn, &parents, &np );
	dnRdn( ndn, &nrdn );
	for ( i = 0; i < np && rc == 0; i++ ) {
		rc = bt_names_get( bi, txn, &parents[i], &nrdn, &cands, &n );
		if ( rc ) break;
		if ( n ) {
			*out = ch_realloc( *out, ( *nout + n ) * sizeof( bt_uuid ) );
			for ( j = 0; j < n; j++ ) ( *out )[( *nout )++] = cands[j];
		}
		ch_free( cands );
	}
	ch_free( parents );
	if ( rc ) {
		/* part of the answer is no answer */
		ch_free( *out );
		*out = NULL;
		*nout = 0;
	}
	return rc;
}

/* An entity other than skip (NULL: any) named ndn at some instant of
 * within (as currently known): what a dated write on a DN that is not
 * live refers to, and, with skip the entry being renamed, whether its new
 * name is taken by another one.  Every candidate is looked at: the first
 * one named ndn in the period may be skip itself while another one has
 * the name later in the period. */
int
bt_resolve_other( bt_info *bi, MDB_txn *txn, struct berval *ndn,
	bt_period within, const bt_uuid *skip, bt_uuid *u )
{
	bt_uuid *cands = NULL, got;
	bt_rows rows = { 0 };
	int n = 0, i, j, rc, err;

	rc = bt_resolve( bi, txn, ndn, within.from, BT_KNOWN_NOW, &got, NULL );
	if ( rc == 0 && !( skip && memcmp( &got, skip, sizeof( got ) ) == 0 ) ) {
		*u = got;
		return 0;
	}
	if ( rc != 0 && rc != MDB_NOTFOUND ) return rc;

	rc = bt_ever_named( bi, txn, ndn, &cands, &n );
	if ( rc ) {
		ch_free( cands );
		return rc;
	}
	rc = MDB_NOTFOUND;
	for ( i = 0; i < n && rc == MDB_NOTFOUND; i++ ) {
		if ( skip && memcmp( &cands[i], skip, sizeof( bt_uuid ) ) == 0 ) continue;
		/* a candidate that cannot be read might be the one: an error,
		 * never "not this one" */
		if ( ( err = bt_rows_current( bi, txn, &cands[i], within, &rows ) ) ) {
			bt_rows_free( &rows );
			rc = err;
			break;
		}
		for ( j = 0; j < rows.n; j++ ) {
			/* named ndn at the start of that version? */
			bt_time t = rows.r[j].valid.from > within.from ? rows.r[j].valid.from : within.from;
			err = bt_resolve( bi, txn, ndn, t, BT_KNOWN_NOW, &got, NULL );
			if ( err == 0 && memcmp( &got, &cands[i], sizeof( got ) ) == 0 ) {
				*u = got;
				rc = 0;
				break;
			}
			if ( err && err != MDB_NOTFOUND ) {
				rc = err;
				break;
			}
		}
		bt_rows_free( &rows );
	}
	ch_free( cands );
	return rc;
}

int
bt_resolve_any( bt_info *bi, MDB_txn *txn, struct berval *ndn,
	bt_period within, bt_uuid *u )
{
	return bt_resolve_other( bi, txn, ndn, within, NULL, u );
}

/* An entity other than skip with a current version under parent (zero:
 * a root, or under an entry not tracked) named like ndn that overlaps one
 * of the n periods in within: the write giving ndn to an entry under
 * parent in those periods would make two children of parent with the same
 * RDN.  This is the name as stored (parent uuid | RDN), so it is found
 * whatever the parent was called then, and wherever in the period the
 * other entity takes the name (by an add, a rename, or a move). */
int
bt_child_named( bt_info *bi, MDB_txn *txn, const bt_uuid *parent,
	struct berval *ndn, const bt_period *within, int n,
	const bt_uuid *skip, bt_uuid *u )
{
	bt_uuid *cands = NULL;
	bt_rows rows = { 0 };
	struct berval key, have;
	int nc = 0, i, j, k, rc, err;

	if ( bt_uuid_is_zero( parent ) ) key = *ndn;
	else dnRdn( ndn, &key );
	rc = bt_names_get( bi, txn, parent, &key, &cands, &nc );
	if ( rc ) return rc;
	rc = MDB_NOTFOUND;
	for ( i = 0; i < nc && rc == MDB_NOTFOUND; i++ ) {
		if ( skip && memcmp( &cands[i], skip, sizeof( bt_uuid ) ) == 0 ) continue;
		for ( k = 0; k < n && rc == MDB_NOTFOUND; k++ ) {
			if ( !bt_period_is_valid( within[k] ) ) continue;
			if ( ( err = bt_rows_current( bi, txn, &cands[i], within[k], &rows ) ) ) {
				bt_rows_free( &rows );
				rc = err;
				break;
			}
			for ( j = 0; j < rows.n && rc == MDB_NOTFOUND; j++ ) {
				if ( !bt_period_overlaps( rows.r[j].valid, within[k] ) ||
					memcmp( &rows.r[j].parent, parent, sizeof( bt_uuid ) ) != 0 )
					continue;
				if ( ( err = bt_row_nrdn( bi, &rows.r[j], &have, NULL ) ) ) {
					rc = err;
					break;
				}
				if ( dn_match( &have, &key ) ) {
					*u = cands[i];
					rc = 0;
					break;
				}
			}
			bt_rows_free( &rows );
		}
	}
	ch_free( cands );
	return rc;
}

/* The DNs of parents met by bt_row_dn_memo() (a parent without a version
 * at the point: known 0) */
typedef struct dn_memo_ent {
	bt_uuid u;
	int known;
	struct berval dn, ndn;
} dn_memo_ent;

struct bt_dn_memo {
	dn_memo_ent *e;
	int n, max;
	bt_name_fn *ask;		/* asked before a parent's version is read */
	void *ask_arg;
};

void
bt_dn_memo_ask( bt_dn_memo *m, bt_name_fn *fn, void *arg )
{
	m->ask = fn;
	m->ask_arg = arg;
}

bt_dn_memo *
bt_dn_memo_new( void )
{
	return ch_calloc( 1, sizeof( bt_dn_memo ) );
}

void
bt_dn_memo_free( bt_dn_memo *m )
{
	int i;

	if ( !m ) return;
	for ( i = 0; i < m->n; i++ ) {
		ber_memfree( m->e[i].dn.bv_val );	/* see name_dn_walk */
		ber_memfree( m->e[i].ndn.bv_val );
	}
	ch_free( m->e );
	ch_free( m );
}

static dn_memo_ent *
memo_find( bt_dn_memo *m, const bt_uuid *u )
{
	int i;

	for ( i = 0; m && i < m->n; i++ )
		if ( memcmp( &m->e[i].u, u, sizeof( *u ) ) == 0 ) return &m->e[i];
	return NULL;
}

static void
memo_add( bt_dn_memo *m, const bt_uuid *u, struct berval *dn, struct berval *ndn )
{
	dn_memo_ent *e;

	if ( !m ) return;
	if ( m->n == m->max ) {
		m->max = m->max ? 2 * m->max : 16;
		m->e = ch_realloc( m->e, m->max * sizeof( *m->e ) );
	}
	e = &m->e[m->n++];
	e->u = *u;
	e->known = dn != NULL;
	if ( dn ) {
		ber_dupbv( &e->dn, dn );
		ber_dupbv( &e->ndn, ndn );
	} else {
		BER_BVZERO( &e->dn );
		BER_BVZERO( &e->ndn );
	}
}

void
bt_dn_join( struct berval *out, struct berval *parent, struct berval *rdn )
{
	ber_len_t plen = parent ? parent->bv_len : 0;
	ber_len_t n = rdn->bv_len + ( plen ? plen + 1 : 0 );
	char *p = ch_malloc( n + 1 );

	memcpy( p, rdn->bv_val, rdn->bv_len );
	if ( plen ) {
		p[rdn->bv_len] = ',';
		memcpy( p + rdn->bv_len + 1, parent->bv_val, parent->bv_len );
	}
	p[n] = '\0';
	out->bv_val = p;
	out->bv_len = n;
}

/* A parent at the point: its own parent and the name its version was
 * registered under, from the memo's caller if it knows them, else from
 * the version read (then row holds it and the names point into it). */
typedef struct parent_rec {
	bt_uuid parent;
	struct berval sdn, sndn;
	bt_row row;
	int has_row;
} parent_rec;

static int
parent_name( bt_info *bi, MDB_txn *txn, const bt_uuid *u, bt_time vt, bt_time kt,
	bt_dn_memo *memo, parent_rec *pr )
{
	int rc;

	memset( pr, 0, sizeof( *pr ) );
	if ( memo && memo->ask ) {
		rc = memo->ask( memo->ask_arg, u, &pr->parent, &pr->sdn, &pr->sndn );
		if ( rc > 0 ) return 0;
		if ( rc < 0 ) return MDB_NOTFOUND;
	}
	if ( ( rc = bt_row_at( bi, txn, u, vt, kt, &pr->row ) ) ) return rc;
	pr->has_row = 1;
	pr->parent = pr->row.parent;
	if ( ( rc = row_stored_dn( &pr->row, &pr->sdn, &pr->sndn ) ) ) {
		bt_row_free( &pr->row );
		pr->has_row = 0;
	}
	return rc;
}

static void
parent_name_free( parent_rec *pr )
{
	if ( pr->has_row ) {
		bt_row_free( &pr->row );
	} else {
		ber_memfree( pr->sdn.bv_val );
		ber_memfree( pr->sndn.bv_val );
	}
}

/* The DN at (vt, kt) of an entity registered as sdn/sndn under parent,
 * rebuilt through its parents.  The walk is bounded: a history that names
 * an ancestor cycle (written before moves were checked for one) is an
 * error, not a stack overflow.  memo (NULL: none) keeps the parents' DNs
 * for the next walk at the same point.  The DNs are ber_memalloc'd
 * (bt_dn_join, ber_dupbv) and freed with ber_memfree:
 * ch_free asks the thread pool for the thread's slab first, and an as-of
 * read of one person frees a hundred of them. */
static int
name_dn_walk( bt_info *bi, MDB_txn *txn, const bt_uuid *parent,
	struct berval *sdn, struct berval *sndn, bt_time vt, bt_time kt,
	struct berval *dn, struct berval *ndn, int depth, bt_dn_memo *memo )
{
	struct berval rdn, nrdn, pdn, pndn;
	dn_memo_ent *m;
	parent_rec pr;
	int rc = 0;

	m = bt_uuid_is_zero( parent ) ? NULL : memo_find( memo, parent );
	if ( m && m->known ) {
		dnRdn( sdn, &rdn );
		dnRdn( sndn, &nrdn );
		bt_dn_join( dn, &m->dn, &rdn );
		bt_dn_join( ndn, &m->ndn, &nrdn );
		return 0;
	}
	if ( bt_uuid_is_zero( parent ) || m ||
		( rc = parent_name( bi, txn, parent, vt, kt, memo, &pr ) ) == MDB_NOTFOUND ) {
		/* a root, or the parent is not known at that point: the name
		 * the version was registered under */
		if ( !bt_uuid_is_zero( parent ) && !m ) memo_add( memo, parent, NULL, NULL );
		ber_dupbv( dn, sdn );
		ber_dupbv( ndn, sndn );
		return 0;
	}
	/* a parent that cannot be read is not a parent that is not there */
	if ( rc ) return rc;
	if ( depth >= BT_DEPTH_MAX ) {
		parent_name_free( &pr );
		Debug( LDAP_DEBUG_ANY, "bitemporal: the parents of \"%s\" are more than %d "
			"levels deep (a cycle in the history?)\n", sdn->bv_val, BT_DEPTH_MAX );
		return MDB_CORRUPTED;
	}
	rc = name_dn_walk( bi, txn, &pr.parent, &pr.sdn, &pr.sndn, vt, kt,
		&pdn, &pndn, depth + 1, memo );
	parent_name_free( &pr );
	if ( rc ) return rc;
	memo_add( memo, parent, &pdn, &pndn );
	dnRdn( sdn, &rdn );
	dnRdn( sndn, &nrdn );
	bt_dn_join( dn, &pdn, &rdn );
	bt_dn_join( ndn, &pndn, &nrdn );
	ber_memfree( pdn.bv_val );
	ber_memfree( pndn.bv_val );
	return 0;
}

static int
row_dn_walk( bt_info *bi, MDB_txn *txn, bt_row *r, bt_time vt, bt_time kt,
	struct berval *dn, struct berval *ndn, bt_dn_memo *memo )
{
	struct berval sdn, sndn;
	int rc = row_stored_dn( r, &sdn, &sndn );

	if ( rc ) return rc;
	return name_dn_walk( bi, txn, &r->parent, &sdn, &sndn, vt, kt, dn, ndn, 0, memo );
}

int
bt_row_dn( bt_info *bi, MDB_txn *txn, bt_row *r, bt_time vt, bt_time kt,
	struct berval *dn, struct berval *ndn )
{
	return row_dn_walk( bi, txn, r, vt, kt, dn, ndn, NULL );
}

int
bt_row_dn_memo( bt_info *bi, MDB_txn *txn, bt_row *r, bt_time vt, bt_time kt,
	bt_dn_memo *memo, struct berval *dn, struct berval *ndn )
{
	return row_dn_walk( bi, txn, r, vt, kt, dn, ndn, memo );
}

int
bt_row_name( bt_row *r, struct berval *sdn, struct berval *sndn )
{
	return row_stored_dn( r, sdn, sndn );
}

int
bt_name_dn_memo( bt_info *bi, MDB_txn *txn, const bt_uuid *parent,
	struct berval *sdn, struct berval *sndn, bt_time valid_at, bt_time known_at,
	bt_dn_memo *memo, struct berval *dn, struct berval *ndn )
{
	return name_dn_walk( bi, txn, parent, sdn, sndn, valid_at, known_at, dn, ndn, 0, memo );
}

/* Whether u, or an ancestor of u, is self at some instant of P (as known
 * now).  The versions of one entity with the same parent in a row are
 * followed once, so the walk costs the number of moves on the way up,
 * not the number of versions. */
static int
ancestry_reaches( bt_info *bi, MDB_txn *txn, const bt_uuid *u,
	const bt_uuid *self, bt_period P, int depth, int *found, bt_time *at )
{
	bt_rows rows = { 0 };
	int i, j, rc;

	if ( memcmp( u, self, sizeof( *u ) ) == 0 ) {
		*found = 1;
		*at = P.from;
		return 0;
	}
	if ( depth >= BT_DEPTH_MAX ) return MDB_CORRUPTED;
	if ( ( rc = bt_rows_current( bi, txn, u, P, &rows ) ) ) {
		bt_rows_free( &rows );
		return rc;
	}
	for ( i = 0; i < rows.n && rc == 0 && !*found; i = j ) {
		bt_period q = rows.r[i].valid;
		/* the run of adjacent versions under the same parent */
		for ( j = i + 1; j < rows.n && rows.r[j].valid.from == q.to &&
			memcmp( &rows.r[j].parent, &rows.r[i].parent, sizeof( bt_uuid ) ) == 0; j++ )
			q.to = rows.r[j].valid.to;
		q = bt_period_intersect( q, P );
		if ( !bt_period_is_valid( q ) || bt_uuid_is_zero( &rows.r[i].parent ) ) continue;
		rc = ancestry_reaches( bi, txn, &rows.r[i].parent, self, q, depth + 1, found, at );
	}
	bt_rows_free( &rows );
	return rc;
}

int
bt_would_be_ancestor( bt_info *bi, MDB_txn *txn, const bt_uuid *u,
	const bt_uuid *parent, bt_period P, int *cycle, bt_time *at )
{
	*cycle = 0;
	return ancestry_reaches( bi, txn, parent, u, P, 0, cycle, at );
}

static void
add_time( Entry *e, AttributeDescription *ad, bt_time t )
{
	char buf[BT_TIME_BUFSZ];
	struct berval bv;

	if ( t == BT_INFINITY || t == BT_NEG_INFINITY ) return;
	bv.bv_len = bt_time_format( t, buf );
	bv.bv_val = buf;
	attr_merge_one( e, ad, &bv, &bv );
}

/* Adds a value that points into a row (not NUL-terminated, which the
 * normalizers require). */
static void
merge_copy( Entry *e, AttributeDescription *ad, struct berval *val )
{
	struct berval bv;

	ber_dupbv( &bv, val );
	attr_merge_normalize_one( e, ad, &bv, NULL );
	ch_free( bv.bv_val );
}

/* A version as the entry a client sees: the snapshot under the DN it had
 * at the point asked about, with the version's periods (and, for history
 * listings, its registration details) as operational attributes.
 * dn/ndn are taken over by the entry. */
Entry *
bt_row_snapshot( bt_info *bi, MDB_txn *txn, bt_row *r,
	struct berval *dn, struct berval *ndn, int what )
{
	Entry *e;

	/* decoded in place (no copy): the names are replaced right here */
	if ( bt_row_entry_ro( r, &e ) ) return NULL;
	e->e_name = *dn;
	e->e_nname = *ndn;

	if ( what & BT_SNAP_PERIODS ) {
		add_time( e, bt_ad_validFrom, r->valid.from );
		add_time( e, bt_ad_validTo, r->valid.to );
		add_time( e, bt_ad_recordedAt, r->recorded );
		if ( r->actor.bv_len ) merge_copy( e, bt_ad_recordedBy, &r->actor );
	}
	if ( what & BT_SNAP_REGISTRATION ) {
		struct berval op, name;
		char *p, *end;

		add_time( e, bt_ad_supersededAt, r->superseded );
		ber_str2bv( bt_opkind_names[r->op <= BT_OP_IMPORT ? r->op : 0], 0, 0, &op );
		attr_merge_normalize_one( e, bt_ad_versionOp, &op, NULL );
		for ( p = r->changed.bv_val, end = p + r->changed.bv_len; p < end; ) {
			char *sp = memchr( p, ' ', end - p );
			name.bv_val = p;
			name.bv_len = ( sp ? sp : end ) - p;
			if ( name.bv_len ) merge_copy( e, bt_ad_changedAttributes, &name );
			p += name.bv_len + 1;
		}
	}
	return e;
}
