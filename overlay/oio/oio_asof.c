/* oio_asof.c - the derived values of one entry at a point in time,
 * computed from the entries they depend on only.
 *
 * An as-of read of one person or unit ("what were Ann's title and manager
 * on 1 March 2023") needs a handful of entries, not the organisation: the
 * person, their engagements and manager posts, their addresses and the
 * classes these name, the chain of units above each engagement with the
 * posts that fill them, and for a manager the subtrees they manage (their
 * direct reports).  They are read from the history at that point, from the
 * read snapshot the entry itself comes from, into a small model of their
 * own, and the same rules run on it for that entry (oio_compute_one): both
 * ways give the same values.  No read waits for another one's rebuild: what
 * reads share is what each entity was at a stretch of time
 * (oio_asof_cache.c), and the values computed with the stretch in which
 * all they were computed from holds (the intersection of the entities'
 * stretches) and what they were computed from: a person's values change
 * once in years, and the next read of that person at any date of the
 * stretch takes them instead of building forty entities into a model
 * (at 25,000 employees the model and its derivation were two thirds of an
 * as-of lookup's time).  They serve only while none of those entities is
 * written and nothing new comes to refer to one that was asked who refers
 * to it (bt_slot_unchanged_since), so a dated correction of any of them
 * is seen by the next read.
 *
 * The entries are found through the history's reference index (every
 * entity that ever named the target in a UUID-syntax attribute) and kept
 * only if their version at the point exists; the rules themselves check
 * what each version refers to then.
 */
#include "portable.h"

#include <ac/string.h>

#include "slap.h"

#include "modir.h"
#include "oio.h"

/* A thread's models for its reads, kept under a thread-pool key (as
 * bt_store.c keeps its zlib streams) and emptied after each read: the
 * first page and indexes of the read's model are allocated once per
 * thread, not per read (some 32 KiB per thread that serves as-of reads). */
typedef struct asof_models {
	oio_model m;
	oio_model scratch;	/* entities probed, not part of m */
} asof_models;

static char asof_models_key;

static void
asof_models_free( asof_models *am )
{
	oio_model_destroy( &am->m );
	oio_model_destroy( &am->scratch );
	ch_free( am );
}

static void
asof_models_release( void *key, void *data )
{
	asof_models_free( data );
}

static void *
asof_models_make( void )
{
	asof_models *am = ch_malloc( sizeof( *am ) );

	oio_model_init( &am->m, 1 );	/* its values are read back */
	oio_model_init( &am->scratch, 0 );
	return am;
}

/* The calling thread's models, empty; *owned: a fresh pair the caller
 * frees (modir_thread_object). */
static asof_models *
asof_models_get( int *owned )
{
	return modir_thread_object( &asof_models_key, asof_models_make, asof_models_release,
		owned );
}

typedef struct part {
	oio_info *oi;
	bt_info *bi;
	MDB_txn *txn;
	bt_time vt, kt;
	size_t snap;		/* the read snapshot's ID; 0: nothing read is kept */
	oio_model *m;		/* the thread's, for this read */
	oio_model *scratch;	/* entities probed, not part of m */
	int err;			/* the history could not be read */
	bt_uuid *units;		/* units whose posts are loaded */
	int nunits, maxunits;
	bt_dn_memo *dns;	/* the DNs of parents at the point */
	/* what the values computed depend on, to keep them (oio_asof_values):
	 * the stretch in which every entity read holds, the latest
	 * registration among them, the slots of what was read */
	bt_period span;
	bt_time newest;
	bt_slot *deps;
	int ndeps, maxdeps;
} part;

static void
depend_slot( part *p, bt_slot slot )
{
	if ( p->ndeps == p->maxdeps ) {
		p->maxdeps = p->maxdeps ? 2 * p->maxdeps : 64;
		p->deps = ch_realloc( p->deps, p->maxdeps * sizeof( *p->deps ) );
	}
	p->deps[p->ndeps++] = slot;
}

/* The values computed hold only where what was read of f's entity holds,
 * and only until it is written again. */
static void
depend( part *p, const oio_asof_fact *f )
{
	p->span = bt_period_intersect( p->span, f->span );
	if ( f->newest > p->newest ) p->newest = f->newest;
	depend_slot( p, bt_touch_slot( &f->u ) );
}

/* ... and only until something new refers to target (or is named under
 * it: a unit's children) */
static void
depend_refs( part *p, const bt_uuid *target )
{
	depend_slot( p, bt_touch_slot( target ) | BT_SLOT_REFS );
}

/* What the values and the entities may take together */
static size_t
asof_bytes_max( oio_info *oi )
{
	size_t size = bt_cache_size( oi->oi_bt ), org = BT_SHARE_ORG( size ),
		held = __atomic_load_n( &oi->oi_org_bytes, __ATOMIC_RELAXED );

	if ( !size ) return 0;
	/* (an organisation that did not fit keeps none of its share) */
	return BT_SHARE_FACTS( size ) + bt_points_spare( oi->oi_bt ) + ( held < org ? org - held : 0 );
}

/* The values leave the entities half their share at least: a read whose
 * values are not kept reads some forty entities, and each one read from
 * the history instead costs what ten kept values save (at 25,000
 * employees the values of five years filled the bound, and the reads
 * that missed them took four times as long). */
size_t
oio_asof_values_max( oio_info *oi )
{
	size_t max = asof_bytes_max( oi ), floor = BT_SHARE_FACTS( bt_cache_size( oi->oi_bt ) ) / 2;

	return max > floor ? max - floor : 0;
}

size_t
oio_asof_facts_max( oio_info *oi )
{
	size_t max = asof_bytes_max( oi ), values = oio_asof_cache_bytes( oi->oi_asof_values );

	return max > values ? max - values : 0;
}

void
oio_asof_fit( oio_info *oi )
{
	size_t max, held;

	if ( !oi->oi_bt || !oi->oi_asof_facts ) return;
	max = asof_bytes_max( oi );
	held = oio_asof_cache_bytes( oi->oi_asof_values ) + oio_asof_cache_bytes( oi->oi_asof_facts );
	oio_asof_cache_fit( oi->oi_asof_values, oio_asof_values_max( oi ) );
	oio_asof_cache_fit( oi->oi_asof_facts, oio_asof_facts_max( oi ) );
	Debug( LDAP_DEBUG_STATS, "oio: values and entities kept for as-of reads: %lu bytes, "
		"%lu within %lu\n", (unsigned long)held,
		(unsigned long)( oio_asof_cache_bytes( oi->oi_asof_values ) +
			oio_asof_cache_bytes( oi->oi_asof_facts ) ), (unsigned long)max );
}

/* What was kept of u for this read (oio_asof_cache.c), lent until
 * unkeep(), or NULL.  Nothing is when bitemporal-cache-size is 0 (set
 * live: at once; what was kept goes with the next entities kept). */
static const oio_asof_fact *
kept( part *p, const bt_uuid *u )
{
	const oio_asof_fact *f;

	if ( !p->oi->oi_asof_facts || !BT_SHARE_FACTS( bt_cache_size( p->bi ) ) ) return NULL;
	f = oio_asof_cache_lend( p->oi->oi_asof_facts, p->bi, u, p->vt, p->kt, p->snap );
	if ( f ) depend( p, f );
	return f;
}

static void
unkeep( const oio_asof_fact *f )
{
	oio_asof_cache_return( f );
}

/* Done with f, read here from the history: kept when it was read from a
 * read snapshot and is what is known now, else freed. */
static void
fact_done( part *p, oio_asof_fact *f )
{
	size_t max = oio_asof_facts_max( p->oi );

	if ( !p->err && p->snap && p->kt >= f->newest && p->oi->oi_asof_facts ) {
		f->built = p->snap;
		oio_asof_cache_put( p->oi->oi_asof_facts, f, max );
	} else {
		oio_asof_fact_clear( f );
	}
}

/* What was kept of u for a read that needs its facts: a fact of which
 * only the name was read does not do (read_entity replaces it). */
static const oio_asof_fact *
kept_facts( part *p, const bt_uuid *u )
{
	const oio_asof_fact *f = kept( p, u );

	if ( f && f->name_only ) {
		unkeep( f );
		f = NULL;
	}
	return f;
}

/* u's version at the point into r (rc 0), or none then (MDB_NOTFOUND),
 * with the stretch in which that holds (f): what was read of u is an
 * input of the values computed */
static int
row_at( part *p, const bt_uuid *u, bt_row *r, oio_asof_fact *f )
{
	int rc = bt_row_at_span( p->bi, p->txn, u, p->vt, p->kt, r, &f->span, &f->newest );

	if ( rc == 0 || rc == MDB_NOTFOUND ) depend( p, f );
	return rc;
}

/* The parent and name of u at the point, from its version (not its
 * snapshot), kept for later walks: the containers above the units and
 * people are no model objects, so nothing else keeps them. */
static int
read_name( part *p, const bt_uuid *u, bt_uuid *parent, struct berval *sdn,
	struct berval *sndn )
{
	struct berval s, sn;
	oio_asof_fact f;
	bt_row r;
	int rc;

	memset( &f, 0, sizeof( f ) );
	f.u = *u;
	f.name_only = 1;
	rc = row_at( p, u, &r, &f );
	if ( rc == MDB_NOTFOUND ) {
		fact_done( p, &f );		/* no version then */
		return -1;
	}
	if ( rc ) return 0;	/* the walk reads it and says why it cannot */
	if ( bt_row_name( &r, &s, &sn ) ) {
		bt_row_free( &r );
		return 0;
	}
	f.found = 1;
	f.parent = r.parent;
	ber_dupbv( &f.sdn, &s );
	ber_dupbv( &f.sndn, &sn );
	*parent = r.parent;
	ber_dupbv( sdn, &s );	/* the walk frees them */
	ber_dupbv( sndn, &sn );
	bt_row_free( &r );
	fact_done( p, &f );
	return 1;
}

/* Asked by the walk that builds a DN at the point before it reads a
 * parent's version (bt_name_fn): the name and parent it had then, from
 * the entities kept, or read here and kept.  The units above a person
 * are kept by every read below them; their versions, and the containers
 * above them, were read once per read for the DNs alone. */
static int
kept_name( void *arg, const bt_uuid *u, bt_uuid *parent, struct berval *sdn,
	struct berval *sndn )
{
	part *p = arg;
	const oio_asof_fact *f = kept( p, u );
	int rc = 0;

	if ( !f ) return read_name( p, u, parent, sdn, sndn );
	if ( !f->found ) {
		rc = -1;
	} else if ( !BER_BVISNULL( &f->sdn ) && !BER_BVISNULL( &f->sndn ) ) {
		*parent = f->parent;
		ber_dupbv( sdn, (struct berval *)&f->sdn );	/* the walk frees them */
		ber_dupbv( sndn, (struct berval *)&f->sndn );
		rc = 1;
	}
	unkeep( f );
	return rc;
}

/* Entity u at the point, read from the history into m (the part's model,
 * or its scratch model): a person or unit under its DN then, anything
 * else without one (insert_kept); f gets what can be kept of it.  Returns
 * its object in m, or NULL (no version then, no object of the
 * organisation, or an error recorded in p->err). */
static oio_obj *
read_entity( part *p, const bt_uuid *u, oio_model *m, oio_asof_fact *f )
{
	struct berval sdn, sndn, dn, ndn;
	oio_obj *o = NULL;
	oio_kind kind;
	bt_row r;
	Entry *e;
	int rc;

	f->u = *u;
	if ( ( rc = row_at( p, u, &r, f ) ) ) {
		if ( rc != MDB_NOTFOUND ) p->err = rc;
		return NULL;
	}
	f->found = 1;
	f->parent = r.parent;
	if ( bt_row_name( &r, &sdn, &sndn ) ) {
		p->err = -1;
		goto done;
	}
	/* decoded under the name it was registered under; the DN at the
	 * point, which walks the parents, only where the rules need it */
	ber_dupbv( &dn, &sdn );
	ber_dupbv( &ndn, &sndn );
	if ( !( e = bt_row_snapshot( p->bi, p->txn, &r, &dn, &ndn, 0 ) ) ) {
		ber_memfree( dn.bv_val );
		ber_memfree( ndn.bv_val );
		p->err = -1;
		goto done;
	}
	kind = oio_kind_of( e );
	if ( kind != OIO_PERSON && kind != OIO_UNIT ) {
		oio_model_put_unnamed( m, e );
	} else if ( bt_name_dn_memo( p->bi, p->txn, &r.parent, &sdn, &sndn, p->vt, p->kt,
			p->dns, &dn, &ndn ) ) {
		p->err = -1;
	} else {
		ber_memfree( e->e_name.bv_val );	/* the entry's, ber_dupbv'd above */
		ber_memfree( e->e_nname.bv_val );
		e->e_name = dn;
		e->e_nname = ndn;
		oio_model_put( m, e );
	}
	if ( !p->err ) {
		o = oio_model_get( m, u );
		/* the name only where a DN is built from it: a person's or a
		 * unit's, or an entity that may be a container above them (most
		 * of what is kept are engagements and addresses) */
		if ( !o || kind == OIO_PERSON || kind == OIO_UNIT ) {
			ber_dupbv( &f->sdn, &sdn );
			ber_dupbv( &f->sndn, &sndn );
		}
		if ( o ) oio_asof_fact_of( f, o );
	}
	bt_entry_release( e );
done:
	bt_row_free( &r );
	return o;
}

/* A kept entity into the part's model: a person or unit under its DN at
 * the point (the rules name people by their DNs and find a unit's parent
 * by its DN), anything else without one. */
static oio_obj *
insert_kept( part *p, const oio_asof_fact *f )
{
	struct berval dn, ndn;
	oio_obj *o;

	if ( f->facts.kind != OIO_PERSON && f->facts.kind != OIO_UNIT ) {
		o = oio_model_add_unnamed( p->m, &f->u );
		if ( o && oio_obj_set_strs( o, (struct berval *)&f->strs[0],
				(struct berval *)&f->strs[1], (struct berval *)&f->strs[2],
				(struct berval *)&f->strs[3] ) ) {
			oio_model_drop( p->m, o );
			o = NULL;
		}
	} else if ( bt_name_dn_memo( p->bi, p->txn, &f->parent, (struct berval *)&f->sdn,
			(struct berval *)&f->sndn, p->vt, p->kt, p->dns, &dn, &ndn ) ) {
		p->err = -1;
		return NULL;
	} else {
		o = oio_model_add_strs( p->m, &f->u, &dn, &ndn, f->strs );
		ber_memfree( dn.bv_val );	/* the walk's, never in a slab */
		ber_memfree( ndn.bv_val );
	}
	if ( o ) oio_obj_set_facts( o, &f->facts );
	if ( !o ) p->err = -1;	/* out of memory */
	return o;
}

/* Entity u as it was at the point, in the model (NULL: it did not exist
 * then, or it is not part of the organisation).  parent, if not NULL, gets
 * the entryUUID of its DIT parent then. */
static oio_obj *
load( part *p, const bt_uuid *u, bt_uuid *parent )
{
	const oio_asof_fact *k;
	oio_asof_fact f;
	oio_obj *o;

	if ( !parent && ( o = oio_model_get( p->m, u ) ) ) return o;
	if ( p->err || bt_uuid_is_zero( u ) ) return NULL;
	if ( ( k = kept_facts( p, u ) ) ) {
		if ( !( o = oio_model_get( p->m, u ) ) && k->found && k->has_facts )
			o = insert_kept( p, k );
		if ( parent && k->found ) *parent = k->parent;
		unkeep( k );
		return o;
	}
	/* (also when it is in the model and only its parent is asked for) */
	memset( &f, 0, sizeof( f ) );
	o = read_entity( p, u, p->m, &f );
	if ( parent && f.found ) *parent = f.parent;
	fact_done( p, &f );
	return o;
}

/* What named target in ad in versions of class oc (NULL: any class):
 * kept, or read from the history's index (and kept).  The LMDB code. */
static int
refs_lookup( part *p, const bt_uuid *target, AttributeDescription *ad, ObjectClass *oc,
	bt_uuid **out, int *n )
{
	oio_asof_cache *c = p->oi->oi_asof_facts;
	size_t max = oio_asof_facts_max( p->oi );
	int rc;

	*out = NULL;
	*n = 0;
	depend_refs( p, target );
	if ( c && max && oio_asof_refs_get( c, p->bi, target, ad, oc, p->snap, out, n ) )
		return 0;
	rc = oc ? bt_refs_get_class( p->bi, p->txn, target, ad, oc, out, n )
		: bt_refs_get( p->bi, p->txn, target, ad, out, n );
	if ( rc == 0 && c && p->snap ) oio_asof_refs_put( c, target, ad, oc, p->snap, *out, *n, max );
	return rc;
}

/* Every entity that named target in ad, loaded; *out (ch_malloc'd) gets
 * their entryUUIDs. */
static int
referrers( part *p, const bt_uuid *target, AttributeDescription *ad, bt_uuid **out )
{
	int n = 0, i, rc;

	*out = NULL;
	if ( p->err || !ad ) return 0;
	rc = refs_lookup( p, target, ad, NULL, out, &n );
	if ( rc ) {
		p->err = rc;
		return 0;
	}
	for ( i = 0; i < n && !p->err; i++ ) load( p, &( *out )[i], NULL );
	return n;
}

/* Like referrers(), for the entities of the classes ocs only (through
 * the history's index by class): a person is named by IT users, roles
 * and leaves too, which no derived value reads. */
static int
referrers_of( part *p, const bt_uuid *target, AttributeDescription *ad,
	ObjectClass **ocs, int nocs, bt_uuid **out )
{
	bt_uuid *got;
	int n = 0, ngot, i, j, k, rc;

	*out = NULL;
	if ( p->err || !ad ) return 0;
	for ( k = 0; k < nocs; k++ ) {
		if ( !ocs[k] ) return referrers( p, target, ad, out );	/* schema without it */
	}
	for ( k = 0; k < nocs && !p->err; k++ ) {
		rc = refs_lookup( p, target, ad, ocs[k], &got, &ngot );
		if ( rc ) {
			p->err = rc;
			break;
		}
		for ( i = 0; i < ngot; i++ ) {
			for ( j = 0; j < n && memcmp( &( *out )[j], &got[i], sizeof( bt_uuid ) ); j++ )
				;
			if ( j < n ) continue;	/* each once */
			*out = ch_realloc( *out, ( n + 1 ) * sizeof( bt_uuid ) );
			( *out )[n++] = got[i];
		}
		ch_free( got );
	}
	for ( i = 0; i < n && !p->err; i++ ) load( p, &( *out )[i], NULL );
	return p->err ? 0 : n;
}

/* A person's engagements and manager posts */
static int
functions_of( part *p, const bt_uuid *u, bt_uuid **out )
{
	ObjectClass *ocs[2];

	ocs[0] = oio_ad.ocEngagement;
	ocs[1] = oio_ad.ocManager;
	return referrers_of( p, u, oio_ad.refPerson, ocs, 2, out );
}

static int
unit_seen( part *p, const bt_uuid *u )
{
	int i;

	for ( i = 0; i < p->nunits; i++ )
		if ( memcmp( &p->units[i], u, sizeof( *u ) ) == 0 ) return 1;
	if ( p->nunits == p->maxunits ) {
		p->maxunits = p->maxunits ? 2 * p->maxunits : 16;
		p->units = ch_realloc( p->units, p->maxunits * sizeof( bt_uuid ) );
	}
	p->units[p->nunits++] = *u;
	return 0;
}

/* A person and their engagements and posts: enough to know their primary
 * engagement (and so whom they report to).  refs (NULL: not wanted) gets
 * what names them (their functions among it), *n how many; the caller
 * frees it. */
static oio_obj *
person_functions_of( part *p, const bt_uuid *u, bt_uuid **refs, int *n )
{
	oio_obj *o = load( p, u, NULL );
	bt_uuid *r;
	int k;

	if ( !o || o->kind != OIO_PERSON ) return NULL;
	k = functions_of( p, u, &r );
	if ( refs ) {
		*refs = r;
		*n = k;
	} else {
		ch_free( r );
	}
	return o;
}

static oio_obj *
person_functions( part *p, const bt_uuid *u )
{
	return person_functions_of( p, u, NULL, NULL );
}

/* ref in the model as a function (engagement or post) of person u at
 * the point, or NULL */
static oio_obj *
function_of( part *p, const bt_uuid *ref, const bt_uuid *u )
{
	oio_obj *f = oio_model_get( p->m, ref );

	return f && f->has_person && memcmp( &f->person, u, sizeof( *u ) ) == 0 ? f : NULL;
}

/* Whether entity u is a manager post at the point, without building it
 * into the model: a unit's engagements far outnumber its posts, and only
 * the posts decide who manages it. */
static int
is_post( part *p, const bt_uuid *u )
{
	const oio_asof_fact *k;
	oio_asof_fact f;
	oio_obj *o;
	int post;

	if ( ( o = oio_model_get( p->m, u ) ) ) return o->kind == OIO_MANAGER;
	if ( p->err || bt_uuid_is_zero( u ) ) return 0;
	if ( ( k = kept_facts( p, u ) ) ) {
		post = k->found && k->has_facts && k->facts.kind == OIO_MANAGER;
		unkeep( k );
		return post;
	}
	memset( &f, 0, sizeof( f ) );
	o = read_entity( p, u, p->scratch, &f );
	post = o && o->kind == OIO_MANAGER;
	if ( o ) oio_model_drop( p->scratch, o );
	fact_done( p, &f );
	return post;
}

/* What refers to unit u: its manager posts with the people holding them
 * (who they are is all a post's holder contributes to who manages u);
 * with people, its engagements too, with their people and their
 * functions (a person's primary engagement decides whom they report to).
 * In the subtree a manager manages, a post's holder is read with their
 * functions too: they may report to the read's manager. */
static void
unit_functions( part *p, const bt_uuid *u, int people )
{
	bt_uuid *refs = NULL;
	int i, n = 0, rc;

	if ( p->err ) return;
	if ( people ) {
		/* its engagements and posts, not what else names it */
		ObjectClass *ocs[2];
		ocs[0] = oio_ad.ocEngagement;
		ocs[1] = oio_ad.ocManager;
		n = referrers_of( p, u, oio_ad.refUnit, ocs, 2, &refs );
	} else {
		/* only the posts count: the index by class names them without
		 * the engagements, which far outnumber them */
		rc = refs_lookup( p, u, oio_ad.refUnit, oio_ad.ocManager, &refs, &n );
		if ( rc ) {
			p->err = rc;
			return;
		}
	}
	for ( i = 0; i < n && !p->err; i++ ) {
		oio_obj *f;
		if ( !people && !is_post( p, &refs[i] ) ) continue;
		f = load( p, &refs[i], NULL );
		if ( !f || memcmp( &f->unit, u, sizeof( *u ) ) != 0 ) continue;
		if ( !f->has_person ) continue;
		if ( people ) person_functions( p, &f->person );
		else if ( f->kind == OIO_MANAGER ) load( p, &f->person, NULL );
	}
	ch_free( refs );
}

/* Unit u and the units above it, each with its posts (a unit's manager is
 * inherited from above when it has none). */
static void
unit_chain( part *p, const bt_uuid *u )
{
	bt_uuid cur = *u, parent;
	int depth;

	for ( depth = 0; depth < BT_DEPTH_MAX && !p->err; depth++ ) {
		oio_obj *o;
		memset( &parent, 0, sizeof( parent ) );
		o = load( p, &cur, &parent );
		if ( !o || o->kind != OIO_UNIT ) break;
		if ( !unit_seen( p, &cur ) ) unit_functions( p, &cur, 0 );
		if ( bt_uuid_is_zero( &parent ) ) break;
		cur = parent;
	}
}

typedef struct child_arg {
	part *p;
	const bt_uuid *parent;
	bt_uuid *kids;
	int n, max;
} child_arg;

static int
child_fn( const bt_uuid *u, struct berval *nrdn, void *arg )
{
	child_arg *c = arg;
	bt_uuid parent;
	oio_obj *o;

	memset( &parent, 0, sizeof( parent ) );
	o = load( c->p, u, &parent );
	if ( c->p->err ) return 1;
	if ( !o || o->kind != OIO_UNIT || memcmp( &parent, c->parent, sizeof( parent ) ) != 0 )
		return 0;
	if ( c->n == c->max ) {
		c->max = c->max ? 2 * c->max : 16;
		c->kids = ch_realloc( c->kids, c->max * sizeof( bt_uuid ) );
	}
	c->kids[c->n++] = *u;
	return 0;
}

/* Whether unit u has a manager at the point, and if so what the people
 * holding its posts depend on for their own manager: the chains above
 * the units of all their engagements (any may be primary).  Such a unit's
 * people report to its manager; its managers may report to the manager
 * above (a manager of a unit reports to the manager of the unit above).
 * A post without a person leaves the unit to the walk.  A unit the read's
 * own manager holds is one of their units, walked from its top itself. */
static int
managed( part *p, const bt_uuid *u )
{
	bt_uuid *posts = NULL, *refs;
	int i, j, n = 0, nrefs, has = 0, rc;

	if ( ( rc = refs_lookup( p, u, oio_ad.refUnit, oio_ad.ocManager, &posts, &n ) ) ) {
		p->err = rc;
		return 0;
	}
	for ( i = 0; i < n && !p->err && !has; i++ ) {
		oio_obj *f;
		if ( is_post( p, &posts[i] ) && ( f = load( p, &posts[i], NULL ) ) &&
			f->kind == OIO_MANAGER && f->has_person && memcmp( &f->unit, u, sizeof( *u ) ) == 0 )
			has = 1;
	}
	for ( i = 0; has && i < n && !p->err; i++ ) {
		oio_obj *f = oio_model_get( p->m, &posts[i] );
		bt_uuid holder;
		if ( !f || f->kind != OIO_MANAGER || !f->has_person ||
			memcmp( &f->unit, u, sizeof( *u ) ) != 0 )
			continue;
		holder = f->person;
		if ( !person_functions_of( p, &holder, &refs, &nrefs ) ) continue;
		for ( j = 0; j < nrefs && !p->err; j++ ) {
			oio_obj *e = function_of( p, &refs[j], &holder );
			if ( e && e->kind == OIO_ENGAGEMENT ) unit_chain( p, &e->unit );
		}
		ch_free( refs );
	}
	ch_free( posts );
	return has;
}

/* The units below w at the point, with their people: who reports to the
 * manager of w is decided inside w's subtree, down to the units that have
 * a manager of their own (managed): below them nobody reports to w's. */
static void
unit_subtree( part *p, const bt_uuid *w, int depth )
{
	child_arg c = { p, w, NULL, 0, 0 };
	int i, rc;

	if ( depth >= BT_DEPTH_MAX ) {
		p->err = -1;
		return;
	}
	unit_chain( p, w );
	if ( depth > 0 && managed( p, w ) ) return;
	unit_functions( p, w, 1 );
	depend_refs( p, w );
	rc = bt_names_children( p->bi, p->txn, w, child_fn, &c );
	if ( rc && !p->err ) p->err = rc;
	for ( i = 0; i < c.n && !p->err; i++ ) unit_subtree( p, &c.kids[i], depth + 1 );
	ch_free( c.kids );
}

/* Everything the derived values of person u depend on. */
static void
person_inputs( part *p, const bt_uuid *u )
{
	bt_uuid *refs, *managed = NULL;
	int i, n, nmanaged = 0;

	if ( !person_functions_of( p, u, &refs, &n ) ) return;
	for ( i = 0; i < n && !p->err; i++ ) {
		oio_obj *f = function_of( p, &refs[i], u );
		if ( !f ) continue;
		if ( f->kind == OIO_ENGAGEMENT ) {
			load( p, &f->jobfn, NULL );
			load( p, &f->engtype, NULL );
			unit_chain( p, &f->unit );
		} else if ( f->kind == OIO_MANAGER ) {
			managed = ch_realloc( managed, ( nmanaged + 1 ) * sizeof( bt_uuid ) );
			managed[nmanaged++] = f->unit;
		}
	}
	ch_free( refs );
	n = referrers_of( p, u, oio_ad.refOwner, &oio_ad.ocAddress, 1, &refs );
	for ( i = 0; i < n && !p->err; i++ ) {
		oio_obj *a = oio_model_get( p->m, &refs[i] );
		if ( !a || a->kind != OIO_ADDRESS ) continue;
		load( p, &a->addrtype, NULL );
		if ( a->has_visibility ) load( p, &a->visibility, NULL );
	}
	ch_free( refs );
	for ( i = 0; i < nmanaged && !p->err; i++ ) unit_subtree( p, &managed[i], 0 );
	ch_free( managed );
}

static int
keep_computed( oio_model *m, oio_obj *o, BerVarray *v, void *arg )
{
	return 0;	/* computed values become the object's values */
}

/* The version of u itself (the entry the search read) is an input too:
 * what was kept of it, or its version read (and kept) here. */
static void
depend_own( part *p, const bt_uuid *u )
{
	const oio_asof_fact *f = kept( p, u );
	struct berval sdn, sndn;
	bt_uuid parent;

	if ( f ) {
		unkeep( f );
	} else if ( read_name( p, u, &parent, &sdn, &sndn ) == 1 ) {
		ber_memfree( sdn.bv_val );
		ber_memfree( sndn.bv_val );
	} else {
		p->span.to = p->span.from;	/* nothing to keep the values on */
	}
}

static int
slot_cmp( const void *a, const void *b )
{
	bt_slot x = *(const bt_slot *)a, y = *(const bt_slot *)b;

	return x < y ? -1 : x > y;
}

/* o's values, computed in p, kept for the next read in their stretch;
 * not when anything read was not from a read snapshot, or is newer than
 * the read knows (as fact_done) */
static void
keep_values( part *p, const bt_uuid *u, oio_kind kind, BerVarray *v, BerVarray *nv )
{
	oio_asof_values kv;
	size_t max = oio_asof_values_max( p->oi );
	int i, n;

	if ( p->err || !p->snap || !p->oi->oi_asof_values || !max || p->kt < p->newest ||
		!bt_period_contains( p->span, p->vt ) )
		return;
	memset( &kv, 0, sizeof( kv ) );
	kv.u = *u;
	kv.span = p->span;
	kv.newest = p->newest;
	kv.built = p->snap;
	kv.kind = kind;
	kv.v = v;
	kv.nv = nv;
	/* each slot once */
	qsort( p->deps, p->ndeps, sizeof( *p->deps ), slot_cmp );
	for ( i = n = 0; i < p->ndeps; i++ )
		if ( !n || p->deps[n - 1] != p->deps[i] ) p->deps[n++] = p->deps[i];
	kv.deps = p->deps;
	kv.ndeps = n;
	oio_asof_values_put( p->oi->oi_asof_values, &kv, max );
}

int
oio_asof_kept( oio_info *oi, MDB_txn *txn, bt_time vt, bt_time kt, Entry *e,
	oio_kind kind, oio_values_fn *fn, void *arg )
{
	size_t snap = bt_snapshot_id( txn );
	bt_uuid u;

	if ( ( kind != OIO_PERSON && kind != OIO_UNIT ) || !oi->oi_asof_values || !snap ||
		!BT_SHARE_FACTS( bt_cache_size( oi->oi_bt ) ) || bt_entry_uuid( e, &u ) )
		return 0;
	return oio_asof_values_give( oi->oi_asof_values, oi->oi_bt, &u, vt, kt, snap, e, fn, arg );
}

/* The values of u (entry e) computed on the part's model, given to fn
 * and kept */
static void
compute( part *p, const bt_uuid *u, Entry *e, oio_values_fn *fn, void *arg )
{
	BerVarray v[D_COUNT], nv[D_COUNT];
	oio_obj *o;

	p->m->loaded = 1;
	if ( !( o = oio_model_get( p->m, u ) ) ) return;
	oio_compute_one( p->oi, p->m, o, keep_computed, NULL );	/* only e's values are read */
	oio_obj_values_all( p->m, o, v, nv );
	fn( e, o->kind, v, nv, arg );
	keep_values( p, u, o->kind, v, nv );
}

int
oio_asof_one( oio_info *oi, MDB_txn *txn, bt_time vt, bt_time kt, Entry *e,
	oio_kind kind, oio_values_fn *fn, void *arg )
{
	if ( oio_asof_kept( oi, txn, vt, kt, e, kind, fn, arg ) ) return 0;
	return oio_asof_compute( oi, txn, vt, kt, e, kind, fn, arg );
}

int
oio_asof_compute( oio_info *oi, MDB_txn *txn, bt_time vt, bt_time kt, Entry *e,
	oio_kind kind, oio_values_fn *fn, void *arg )
{
	part p;
	asof_models *am;
	bt_uuid u;
	int rc = 0, owned;

	if ( ( kind != OIO_PERSON && kind != OIO_UNIT ) || bt_entry_uuid( e, &u ) ) return 0;
	memset( &p, 0, sizeof( p ) );
	p.oi = oi;
	p.bi = oi->oi_bt;
	p.txn = txn;
	p.vt = vt;
	p.kt = kt;
	p.snap = bt_snapshot_id( txn );
	p.span.from = BT_NEG_INFINITY;
	p.span.to = BT_INFINITY;
	if ( !( am = asof_models_get( &owned ) ) ) return -1;
	p.m = &am->m;
	p.scratch = &am->scratch;
	p.dns = bt_dn_memo_new();
	bt_dn_memo_ask( p.dns, kept_name, &p );
	/* e is the person at the point, read by the search from the same
	 * snapshot: taken as it is, not read from the history again */
	if ( kind == OIO_PERSON && oio_model_put( p.m, e ) != OIO_PERSON ) p.err = -1;
	if ( kind == OIO_PERSON ) {
		depend_own( &p, &u );
		person_inputs( &p, &u );
	} else {
		unit_chain( &p, &u );
	}
	if ( p.err ) {
		Debug( LDAP_DEBUG_ANY, "oio: cannot read the inputs of \"%s\" at that point (%d)\n",
			e->e_name.bv_val, p.err );
		rc = -1;
	} else {
		compute( &p, &u, e, fn, arg );
	}
	ch_free( p.units );
	ch_free( p.deps );
	bt_dn_memo_free( p.dns );
	if ( owned ) {
		asof_models_free( am );
	} else {
		oio_model_empty( p.m );
		oio_model_clear( p.scratch );	/* rarely used: not worth a page per thread */
	}
	return rc;
}

static int
time_cmp( const void *a, const void *b )
{
	bt_time x = *(const bt_time *)a, y = *(const bt_time *)b;
	return x < y ? -1 : x > y;
}

static int
add_cut( bt_time t, bt_period P, bt_time *at, int n, int max )
{
	if ( t > P.from && t < P.to && n < max ) at[n++] = t;
	return n;
}

int
oio_asof_cuts( oio_info *oi, MDB_txn *txn, Entry *e, bt_period P,
	bt_time *at, int max )
{
	AttributeDescription *ads[2];
	bt_rows rows = { 0 };
	bt_uuid u, *refs;
	int i, j, k, n = 0, nrefs, rc;

	if ( oio_kind_of( e ) != OIO_PERSON || bt_entry_uuid( e, &u ) ) return 0;
	ads[0] = oio_ad.refPerson;
	ads[1] = oio_ad.refOwner;
	for ( k = 0; k < 2; k++ ) {
		if ( !ads[k] ) continue;
		rc = bt_refs_get( oi->oi_bt, txn, &u, ads[k], &refs, &nrefs );
		if ( rc ) {
			Debug( LDAP_DEBUG_ANY, "oio: cannot read what refers to \"%s\" (%s)\n",
				e->e_name.bv_val, mdb_strerror( rc ) );
			return -1;
		}
		for ( i = 0; i < nrefs; i++ ) {
			if ( ( rc = bt_rows_current( oi->oi_bt, txn, &refs[i], P, &rows ) ) ) {
				Debug( LDAP_DEBUG_ANY, "oio: cannot read the functions of \"%s\" (%s)\n",
					e->e_name.bv_val, mdb_strerror( rc ) );
				bt_rows_free( &rows );
				ch_free( refs );
				return -1;
			}
			for ( j = 0; j < rows.n; j++ ) {
				n = add_cut( rows.r[j].valid.from, P, at, n, max );
				n = add_cut( rows.r[j].valid.to, P, at, n, max );
			}
			bt_rows_free( &rows );
		}
		ch_free( refs );
	}
	qsort( at, n, sizeof( *at ), time_cmp );
	for ( i = j = 0; i < n; i++ )
		if ( !j || at[j - 1] != at[i] ) at[j++] = at[i];
	return j;
}
