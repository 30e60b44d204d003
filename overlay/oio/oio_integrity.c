/* oio_integrity.c - the OIO model's rules over time, checked on every
 * write before anything is stored (a person's termination ends their
 * functions: oio_cascade.c).
 *
 * The rules are checked against the bitemporal history (every version of
 * every object, current registrations), so they hold for dated writes too:
 *  - a reference (moRef*) must name an object that exists during the
 *    whole period of the referring version, and of the right kind (a
 *    class reference: a class of the right facet);
 *  - a person has at most one primary engagement at any instant;
 *  - derived attributes are the overlay's to write;
 *  - a CPR number is 10 digits; a related-units entry names two units;
 *  - an object others still refer to during the rest of its life is not
 *    terminated (deleted), except a person (the cascade, oio_cascade.c).
 * A violation is constraintViolation (19) naming the reference and the
 * period; nothing is written.
 */
#include "portable.h"

#include <stdarg.h>

#include <ac/string.h>

#include "slap.h"
#include "lutil.h"

#include "oio.h"

/* What each reference must point at. */
typedef struct ref_rule {
	const char *attr;
	const char *oc;			/* required object class, NULL: any */
	const char *facets;		/* for classes: allowed facet user keys, '|'-separated */
} ref_rule;

static const ref_rule ref_rules[] = {
	{ "moRefPerson", "moPerson", NULL },
	{ "moRefSubstitute", "moPerson", NULL },
	{ "moRefOwnerPerson", "moPerson", NULL },
	{ "moRefUnit", "moOrgUnit", NULL },
	{ "moRefRelatedUnit", "moOrgUnit", NULL },
	{ "moRefEngagement", "moEngagement", NULL },
	{ "moRefLinkedEngagement", "moEngagement", NULL },
	{ "moRefITSystem", "moITSystem", NULL },
	{ "moRefITUser", "moITUser", NULL },
	{ "moRefFacet", "moFacet", NULL },
	{ "moRefParentClass", "moClass", NULL },
	{ "moRefJobFunction", "moClass", "engagement_job_function" },
	{ "moRefEngagementType", "moClass", "engagement_type" },
	{ "moRefManagerType", "moClass", "manager_type" },
	{ "moRefManagerLevel", "moClass", "manager_level" },
	{ "moRefResponsibility", "moClass", "responsibility" },
	{ "moRefAddressType", "moClass", "employee_address_type|org_unit_address_type" },
	{ "moRefVisibility", "moClass", "visibility" },
	{ "moRefRole", "moClass", "role" },
	{ "moRefLeaveType", "moClass", "leave_type" },
	{ "moRefAssociationType", "moClass", "association_type" },
	{ "moRefKLEAspect", "moClass", "kle_aspect" },
	{ "moRefUnitType", "moClass", "org_unit_type" },
	{ "moRefUnitLevel", "moClass", "org_unit_level" },
	{ "moRefTimePlanning", "moClass", "time_planning" },
	{ "moRefUnitHierarchy", "moClass", "org_unit_hierarchy" },
	{ "moRefTradeUnion", "moClass", "trade_union" },
	{ "moRefSystemType", "moClass", "itsystem_type" },
	{ NULL, NULL, NULL }
};

static const ref_rule *
rule_for( AttributeDescription *ad )
{
	const ref_rule *r;

	for ( r = ref_rules; r->attr; r++ )
		/* the type's name: moRefUnit;x-foo is a moRefUnit */
		if ( strcasecmp( r->attr, ad->ad_type->sat_cname.bv_val ) == 0 ) return r;
	return NULL;
}

/* A refusal's text: room for REFERRERS_NAMED referrers' names and
 * periods (longer ones are cut; "and N more" counts the rest). */
#define OIO_REFUSAL_LEN 1024
/* "[from, to)" as fmt_period writes it */
#define PERIOD_BUFSZ ( 2 * BT_TIME_BUFSZ + 4 )

typedef struct check_ctx {
	Operation *op;
	SlapReply *rs;
	oio_info *oi;
	MDB_txn *txn;
	bt_period P;
	int activation;		/* the bitemporal overlay carrying out a recorded change */
	oio_terminated *term;	/* a delete: what it terminates */
	char buf[OIO_REFUSAL_LEN];
} check_ctx;

static int
fail( check_ctx *c, int code, const char *fmt, ... )
{
	va_list ap;

	va_start( ap, fmt );
	vsnprintf( c->buf, sizeof( c->buf ), fmt, ap );
	va_end( ap );
	c->rs->sr_err = code;
	c->rs->sr_text = c->buf;
	return code;
}

static void
fmt_period( bt_period p, char *out, size_t len )
{
	char a[BT_TIME_BUFSZ], b[BT_TIME_BUFSZ];

	bt_time_format( p.from, a );
	bt_time_format( p.to, b );
	snprintf( out, len, "[%s, %s)", a, b );
}

static void
fmt_uuid( const bt_uuid *u, char *out, size_t len )
{
	if ( lutil_uuidstr_from_normalized( (char *)u->u, BT_UUID_LEN, out, len ) < 0 )
		snprintf( out, len, "(bad uuid)" );
}

/* The first instant of p not covered by the rows (p.to if all is). */
static bt_time
first_gap( bt_rows *rows, bt_period p )
{
	bt_time t = p.from;
	int i, progress = 1;

	while ( progress && t < p.to ) {
		progress = 0;
		for ( i = 0; i < rows->n; i++ ) {
			if ( bt_period_contains( rows->r[i].valid, t ) ) {
				t = rows->r[i].valid.to;
				progress = 1;
			}
		}
	}
	return t;
}

static int
has_value( Entry *e, AttributeDescription *ad, const char *val )
{
	Attribute *a = attr_find( e->e_attrs, ad );
	unsigned i;

	for ( i = 0; a && i < a->a_numvals; i++ ) {
		if ( a->a_vals[i].bv_len == strlen( val ) &&
			strncasecmp( a->a_vals[i].bv_val, val, a->a_vals[i].bv_len ) == 0 ) return 1;
	}
	return 0;
}

static int
facet_allowed( const char *facets, struct berval *key )
{
	const char *p = facets;

	while ( p && *p ) {
		const char *bar = strchr( p, '|' );
		size_t n = bar ? (size_t)( bar - p ) : strlen( p );
		if ( n == key->bv_len && strncasecmp( p, key->bv_val, n ) == 0 ) return 1;
		p = bar ? bar + 1 : NULL;
	}
	return 0;
}

/* The versions the rules look at are only read: decoded in place
 * (bt_row_entry_ro), one block that the entry's names and values point
 * into, rather than decoded and then copied attribute by attribute
 * (bt_row_entry), which was a third of what a dated write's checks cost.
 * read_done frees such an entry. */
static void
read_done( Entry *e )
{
	BER_BVZERO( &e->e_name );
	BER_BVZERO( &e->e_nname );
	entry_free( e );
}

/* Whether a class's facet, as it is at instant t, is one of facets: *ok.
 * Returns an LMDB code: a facet that cannot be read is not a wrong one. */
static int
class_of_facet( check_ctx *c, Entry *cls, const char *facets, bt_time t, int *ok )
{
	Attribute *f = attr_find( cls->e_attrs, oio_ad.refFacet );
	bt_row fr;
	Entry *fe = NULL;
	int rc;

	*ok = 0;
	if ( !f || f->a_nvals[0].bv_len != BT_UUID_LEN ) return 0;
	rc = bt_row_at( c->oi->oi_bt, c->txn, (bt_uuid *)f->a_nvals[0].bv_val, t,
		BT_KNOWN_NOW, &fr );
	if ( rc == MDB_NOTFOUND ) return 0;
	if ( rc ) return rc;
	if ( bt_row_entry_ro( &fr, &fe ) == 0 ) {
		Attribute *k = attr_find( fe->e_attrs, oio_ad.userKey );
		*ok = k && facet_allowed( facets, &k->a_vals[0] );
		read_done( fe );
	} else {
		rc = MDB_CORRUPTED;
	}
	bt_row_free( &fr );
	return rc;
}

/* A rule that cannot be checked refuses the write: never skipped. */
static int
fail_read( check_ctx *c )
{
	return fail( c, LDAP_OTHER, "oio: cannot read the history to check the write" );
}

/* Every version of the target in the period is of the rule's kind. */
static int
check_kind( check_ctx *c, AttributeDescription *ad, const ref_rule *rule,
	bt_rows *rows, const char *us )
{
	Entry *e = NULL;
	int i, rc = 0, ok;

	for ( i = 0; i < rows->n && !rc; i++ ) {
		bt_time t;
		if ( !bt_period_overlaps( rows->r[i].valid, c->P ) ) continue;
		if ( bt_row_entry_ro( &rows->r[i], &e ) ) return fail_read( c );
		t = rows->r[i].valid.from > c->P.from ? rows->r[i].valid.from : c->P.from;
		if ( !has_value( e, slap_schema.si_ad_objectClass, rule->oc ) ) {
			rc = fail( c, LDAP_CONSTRAINT_VIOLATION, "%s: %s is not a %s",
				ad->ad_cname.bv_val, us, rule->oc );
		} else if ( rule->facets && class_of_facet( c, e, rule->facets, t, &ok ) ) {
			rc = fail_read( c );
		} else if ( rule->facets && !ok ) {
			rc = fail( c, LDAP_CONSTRAINT_VIOLATION, "%s: class %s is not of facet %s",
				ad->ad_cname.bv_val, us, rule->facets );
		}
		read_done( e );
		e = NULL;
	}
	return rc;
}

/* Whether a version of the target during the period is one the requester
 * may not see (slapd's ACLs, "disclose"): such a target is answered as an
 * absent one (a text naming its kind or its periods would tell what is
 * hidden), so a write may refer only to what its requester may see.
 * Returns an LMDB code. */
static int
target_hidden( check_ctx *c, bt_rows *rows, int *hidden )
{
	int i, rc = 0, may;

	*hidden = 0;
	for ( i = 0; i < rows->n && !rc && !*hidden; i++ ) {
		bt_row *r = &rows->r[i];
		if ( !bt_period_overlaps( r->valid, c->P ) ) continue;
		rc = bt_row_may_disclose( c->op, c->oi->oi_bt, c->txn, r,
			r->valid.from > c->P.from ? r->valid.from : c->P.from, &may );
		*hidden = !may;
	}
	return rc;
}

/* Whether the request itself writes value into ad (an add's values, a
 * modify's added or replacing ones): only those must be visible to the
 * requester; a reference the write keeps was someone else's to make. */
static int
request_writes( check_ctx *c, AttributeDescription *ad, struct berval *value )
{
	Modifications *ml;
	unsigned i;

	if ( c->op->o_tag == LDAP_REQ_ADD ) return 1;
	if ( c->op->o_tag != LDAP_REQ_MODIFY ) return 0;
	for ( ml = c->op->orm_modlist; ml; ml = ml->sml_next ) {
		BerVarray vals = ml->sml_nvalues ? ml->sml_nvalues : ml->sml_values;
		if ( ml->sml_desc != ad || !vals ) continue;
		if ( ml->sml_op != LDAP_MOD_ADD && ml->sml_op != LDAP_MOD_REPLACE ) continue;
		for ( i = 0; vals[i].bv_val; i++ )
			if ( bvmatch( &vals[i], value ) ) return 1;
	}
	return 0;
}

/* A reference to us (the target's UUID as text) refused: no version of
 * it exists at gap, within the period ps. */
static int
refuse_absent( check_ctx *c, AttributeDescription *ad, const char *us, const char *ps,
	bt_time gap )
{
	char gs[BT_TIME_BUFSZ];

	bt_time_format( gap, gs );
	return fail( c, LDAP_CONSTRAINT_VIOLATION,
		"%s: %s does not exist during the whole period %s (not at %s)",
		ad->ad_cname.bv_val, us, ps, gs );
}

/* One reference value: exists during the whole period, right kind.  A
 * target the requester may not see is, for a value the request writes,
 * answered exactly as an absent one; for a value it keeps, checked as any
 * other, but a failure names nothing of the target. */
static int
check_target( check_ctx *c, AttributeDescription *ad, struct berval *value )
{
	const bt_uuid *target = (const bt_uuid *)value->bv_val;
	const ref_rule *rule = rule_for( ad );
	bt_rows rows = { 0 };
	char us[LDAP_LUTIL_UUIDSTR_BUFSIZE], ps[PERIOD_BUFSZ];
	bt_time gap;
	int rc = 0, written, hidden = 0;

	fmt_uuid( target, us, sizeof( us ) );
	if ( bt_rows_current( c->oi->oi_bt, c->txn, target, c->P, &rows ) ) {
		bt_rows_free( &rows );
		return fail( c, LDAP_OTHER, "oio: cannot read history" );
	}
	fmt_period( c->P, ps, sizeof( ps ) );
	gap = first_gap( &rows, c->P );
	if ( gap < c->P.to ) {
		rc = refuse_absent( c, ad, us, ps, gap );
	} else if ( rule && rule->oc ) {
		rc = check_kind( c, ad, rule, &rows, us );
	}
	written = request_writes( c, ad, value );
	/* whether it is hidden matters where its text would tell something of
	 * it, or where the request names it */
	if ( rows.n && ( rc == LDAP_CONSTRAINT_VIOLATION || ( rc == 0 && written ) ) &&
		target_hidden( c, &rows, &hidden ) )
		rc = fail_read( c );
	else if ( hidden && written )
		rc = refuse_absent( c, ad, us, ps, c->P.from );	/* as if there were no version */
	else if ( hidden ) {
		rc = fail( c, LDAP_CONSTRAINT_VIOLATION,
			"%s: a value this write keeps does not name a valid entry during the whole "
			"period %s; change it first", ad->ad_cname.bv_val, ps );
	}
	bt_rows_free( &rows );
	return rc;
}

static int
is_true( Attribute *a )
{
	return a && a->a_numvals && a->a_vals[0].bv_len == 4 &&
		strncasecmp( a->a_vals[0].bv_val, "TRUE", 4 ) == 0;
}

/* At most one primary engagement per person at any instant. */
static int
check_primary( check_ctx *c, const bt_uuid *person, const bt_uuid *self )
{
	bt_uuid *others = NULL;
	int n = 0, i, j, rc = 0;

	if ( bt_refs_get( c->oi->oi_bt, c->txn, person, oio_ad.refPerson, &others, &n ) )
		return fail( c, LDAP_OTHER, "oio: cannot read history" );
	for ( i = 0; i < n && !rc; i++ ) {
		bt_rows rows = { 0 };
		if ( self && memcmp( &others[i], self, sizeof( bt_uuid ) ) == 0 ) continue;
		/* an engagement that cannot be read may be the primary one */
		if ( bt_rows_current( c->oi->oi_bt, c->txn, &others[i], c->P, &rows ) )
			rc = fail_read( c );
		for ( j = 0; j < rows.n && !rc; j++ ) {
			Entry *e;
			Attribute *p;
			if ( bt_row_entry_ro( &rows.r[j], &e ) ) {
				rc = fail_read( c );
				break;
			}
			p = attr_find( e->e_attrs, oio_ad.refPerson );
			if ( has_value( e, slap_schema.si_ad_objectClass, "moEngagement" ) &&
				is_true( attr_find( e->e_attrs, oio_ad.primary ) ) &&
				p && p->a_nvals[0].bv_len == BT_UUID_LEN &&
				memcmp( p->a_nvals[0].bv_val, person->u, BT_UUID_LEN ) == 0 ) {
				char ps[PERIOD_BUFSZ], us[LDAP_LUTIL_UUIDSTR_BUFSIZE];
				bt_period o = bt_period_intersect( rows.r[j].valid, c->P );
				int may;
				fmt_period( o, ps, sizeof( ps ) );
				fmt_uuid( person, us, sizeof( us ) );
				/* the other engagement is named only to whom may see it */
				if ( bt_row_may_disclose( c->op, c->oi->oi_bt, c->txn, &rows.r[j], o.from,
						&may ) )
					may = 0;
				rc = fail( c, LDAP_CONSTRAINT_VIOLATION,
					"moPrimary: person %s already has a primary engagement%s%s%s during %s",
					us, may ? " (" : "", may ? e->e_name.bv_val : "", may ? ")" : "", ps );
			}
			read_done( e );
		}
		bt_rows_free( &rows );
	}
	ch_free( others );
	return rc;
}

static int
check_entry_refs( check_ctx *c, Entry *e, const bt_uuid *self )
{
	Attribute *a;
	unsigned i;
	int rc;

	for ( a = e->e_attrs; a; a = a->a_next ) {
		if ( !bt_is_reference( a->a_desc ) ) continue;
		for ( i = 0; i < a->a_numvals; i++ ) {
			if ( a->a_nvals[i].bv_len != BT_UUID_LEN ) continue;
			rc = check_target( c, a->a_desc, &a->a_nvals[i] );
			if ( rc ) return rc;
		}
	}
	if ( is_entry_objectclass( e, oio_ad.ocEngagement, 0 ) &&
		is_true( attr_find( e->e_attrs, oio_ad.primary ) ) ) {
		a = attr_find( e->e_attrs, oio_ad.refPerson );
		if ( a && a->a_nvals[0].bv_len == BT_UUID_LEN )
			return check_primary( c, (bt_uuid *)a->a_nvals[0].bv_val, self );
	}
	return 0;
}

/* Rules on single values, wherever a value comes from (an added entry, a
 * modification, a new RDN), dated or not, with relax or not. */
static int
check_value( check_ctx *c, AttributeDescription *ad, struct berval *v )
{
	if ( oio_ad.cprNumber && ad->ad_type == oio_ad.cprNumber->ad_type ) {
		/* the numericString syntax lets spaces and any length through */
		ber_len_t i;
		int ok = v->bv_len == 10;
		for ( i = 0; ok && i < v->bv_len; i++ )
			if ( v->bv_val[i] < '0' || v->bv_val[i] > '9' ) ok = 0;
		if ( !ok )
			return fail( c, LDAP_CONSTRAINT_VIOLATION,
				"oio: moCPRNumber must be 10 digits (DDMMYYSSSS), without spaces; "
				"the value given has %lu characters", (unsigned long)v->bv_len );
	}
	return 0;
}

static int
check_values( check_ctx *c, AttributeDescription *ad, BerVarray vals )
{
	int i, rc;

	for ( i = 0; vals && vals[i].bv_val; i++ )
		if ( ( rc = check_value( c, ad, &vals[i] ) ) ) return rc;
	return 0;
}

/* The values of a new RDN (modrdn): they are added to the entry. */
static int
check_rdn_values( check_ctx *c, struct berval *newrdn )
{
	Operation *op = c->op;
	LDAPRDN rdn = NULL;
	char *next;
	int i, rc = 0;

	if ( BER_BVISEMPTY( newrdn ) ||
		ldap_bv2rdn_x( newrdn, &rdn, &next, LDAP_DN_FORMAT_LDAP, op->o_tmpmemctx ) )
		return 0;	/* the frontend reports a malformed RDN */
	for ( i = 0; rdn[i] && !rc; i++ ) {
		AttributeDescription *ad = NULL;
		const char *text;
		if ( slap_bv2ad( &rdn[i]->la_attr, &ad, &text ) ) continue;
		rc = check_value( c, ad, &rdn[i]->la_value );
	}
	ldap_rdnfree_x( rdn, op->o_tmpmemctx );
	return rc;
}

/* Rules on a whole version of an entry (not its references). */
static int
check_shape( check_ctx *c, Entry *e )
{
	if ( oio_ad.ocRelatedUnits && is_entry_objectclass( e, oio_ad.ocRelatedUnits, 0 ) ) {
		/* a pair of units: two values, not the same unit twice */
		Attribute *a = attr_find( e->e_attrs, oio_ad.refRelatedUnit );
		unsigned n = a ? a->a_numvals : 0;
		if ( n != 2 || bvmatch( &a->a_nvals[0], &a->a_nvals[1] ) ) {
			char ps[PERIOD_BUFSZ];
			fmt_period( c->P, ps, sizeof( ps ) );
			return fail( c, LDAP_CONSTRAINT_VIOLATION,
				"oio: moRefRelatedUnit of a moRelatedUnits entry must name exactly two "
				"distinct units, not %u, during %s", n == 2 ? 1 : n, ps );
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Deleting (terminating) what others refer to.  Every entity that
 * refers to the target through any reference attribute (the bitemporal
 * refs index: target|attribute -> referrer) in a version valid during
 * the rest of the target's life [from, infinity), as known now, keeps
 * the target alive: the termination is refused, naming a few of them
 * and their periods.  A person's termination is the model's cascade
 * (oio_cascade) and is not checked here. */

#define REFERRERS_NAMED 3

typedef struct referrer {
	bt_uuid uuid;
	AttributeDescription *ad;
	bt_period valid;		/* of its versions that refer, within the period */
	struct berval dn;
} referrer;

static int
refers_to( Entry *e, AttributeDescription *ad, const bt_uuid *target )
{
	Attribute *a;
	unsigned i;

	for ( a = attrs_find( e->e_attrs, ad ); a; a = attrs_find( a->a_next, ad ) )
		for ( i = 0; i < a->a_numvals; i++ )
			if ( a->a_nvals[i].bv_len == BT_UUID_LEN &&
				memcmp( a->a_nvals[i].bv_val, target->u, BT_UUID_LEN ) == 0 ) return 1;
	return 0;
}

/* Whether the target is a person in some version during the period
 * (*person): the cascade ends a person's functions with them, so they are
 * never held.  Returns an LMDB code. */
static int
is_person_during( check_ctx *c, const bt_uuid *target, int *person )
{
	bt_rows own = { 0 };
	int i, rc;

	*person = 0;
	rc = bt_rows_current( c->oi->oi_bt, c->txn, target, c->P, &own );
	for ( i = 0; i < own.n && !rc && !*person; i++ ) {
		Entry *e;
		if ( bt_row_entry_ro( &own.r[i], &e ) ) {
			rc = MDB_CORRUPTED;
			break;
		}
		*person = is_entry_objectclass( e, oio_ad.ocPerson, 0 );
		read_done( e );
	}
	bt_rows_free( &own );
	return rc;
}

/* The referrers found so far: the first few the requester may see named
 * in the refusal, the rest counted, and those the requester may not see
 * counted apart (a hidden engagement's DN names its person: hidden means
 * never named); each entity once, whatever attribute it refers by. */
typedef struct referrers {
	referrer named[REFERRERS_NAMED];
	int nnamed, nmore, nhidden;
	bt_uuid *seen;
	int nseen;
} referrers;

/* When the versions of one referrer refer to target by ad within the
 * period: their span in *v, and the index of the earliest such version
 * (-1 if none does, -2 if one cannot be read: it may refer). */
static int
referring_span( check_ctx *c, bt_rows *rows, AttributeDescription *ad,
	const bt_uuid *target, bt_period *v )
{
	int j, first = -1;

	v->from = BT_INFINITY;
	v->to = BT_NEG_INFINITY;
	for ( j = 0; j < rows->n; j++ ) {
		Entry *e;
		bt_period o;
		if ( !bt_period_overlaps( rows->r[j].valid, c->P ) ) continue;
		if ( bt_row_entry_ro( &rows->r[j], &e ) ) return -2;
		if ( refers_to( e, ad, target ) ) {
			o = bt_period_intersect( rows->r[j].valid, c->P );
			if ( first < 0 || o.from < v->from ) first = j;
			if ( o.from < v->from ) v->from = o.from;
			if ( o.to > v->to ) v->to = o.to;
		}
		read_done( e );
	}
	return first;
}

/* Records a referrer: named by the DN its earliest referring version had
 * then (its UUID if that cannot be read), or counted; one the requester
 * may not see (or whose visibility cannot be decided) only counted. */
static void
referrer_add( check_ctx *c, referrers *l, const bt_uuid *u, AttributeDescription *ad,
	bt_row *first, bt_period v )
{
	struct berval ndn;
	referrer *r;
	int may;

	l->seen = ch_realloc( l->seen, ( l->nseen + 1 ) * sizeof( bt_uuid ) );
	l->seen[l->nseen++] = *u;
	if ( bt_row_may_disclose( c->op, c->oi->oi_bt, c->txn, first, v.from, &may ) || !may ) {
		l->nhidden++;
		return;
	}
	if ( l->nnamed == REFERRERS_NAMED ) {
		l->nmore++;
		return;
	}
	r = &l->named[l->nnamed++];
	r->uuid = *u;
	r->ad = ad;
	r->valid = v;
	if ( bt_row_dn( c->oi->oi_bt, c->txn, first, v.from, BT_KNOWN_NOW,
			&r->dn, &ndn ) == 0 ) {
		ch_free( ndn.bv_val );
	} else {
		char us[LDAP_LUTIL_UUIDSTR_BUFSIZE];
		fmt_uuid( u, us, sizeof( us ) );
		ber_str2bv( us, 0, 1, &r->dn );
	}
}

static int
was_seen( referrers *l, const bt_uuid *u )
{
	int j;

	for ( j = 0; j < l->nseen; j++ )
		if ( memcmp( &l->seen[j], u, sizeof( bt_uuid ) ) == 0 ) return 1;
	return 0;
}

/* The entities whose versions refer to target by ad during the period
 * (the reverse reference index names the candidates). */
static int
referrers_by( check_ctx *c, AttributeDescription *ad, const bt_uuid *target, referrers *l )
{
	bt_uuid *refs = NULL;
	int i, n = 0;

	if ( bt_refs_get( c->oi->oi_bt, c->txn, target, ad, &refs, &n ) )
		return fail( c, LDAP_OTHER, "oio: cannot read history" );
	for ( i = 0; i < n; i++ ) {
		bt_rows rows = { 0 };
		bt_period v;
		int first;
		if ( memcmp( &refs[i], target, sizeof( bt_uuid ) ) == 0 ) continue;
		if ( was_seen( l, &refs[i] ) ) continue;
		/* a referrer that cannot be read may still refer: the delete is
		 * refused, never let through unchecked */
		first = bt_rows_current( c->oi->oi_bt, c->txn, &refs[i], c->P, &rows ) ? -2 :
			referring_span( c, &rows, ad, target, &v );
		if ( first >= 0 ) referrer_add( c, l, &refs[i], ad, &rows.r[first], v );
		bt_rows_free( &rows );
		if ( first == -2 ) {
			ch_free( refs );
			return fail_read( c );
		}
	}
	ch_free( refs );
	return 0;
}

/* The refusal: which referrers, by which attribute, during which period;
 * those the requester may not see only as a number. */
static int
refuse_referred( check_ctx *c, referrers *l )
{
	char ps[PERIOD_BUFSZ], from[BT_TIME_BUFSZ];
	int i, more = l->nmore + l->nhidden;
	size_t len;

	bt_time_format( c->P.from, from );
	len = snprintf( c->buf, sizeof( c->buf ),
		"oio: cannot terminate %s from %s: it is still referred to by ",
		c->op->o_req_dn.bv_val, from );
	for ( i = 0; i < l->nnamed && len < sizeof( c->buf ); i++ ) {
		fmt_period( l->named[i].valid, ps, sizeof( ps ) );
		len += snprintf( c->buf + len, sizeof( c->buf ) - len, "%s%s (%s, during %s)",
			i ? ( i == l->nnamed - 1 && !more ? " and " : ", " ) : "",
			l->named[i].dn.bv_val, l->named[i].ad->ad_cname.bv_val, ps );
	}
	if ( !l->nnamed && len < sizeof( c->buf ) )
		len += snprintf( c->buf + len, sizeof( c->buf ) - len, "%d %s you may not see",
			more, more == 1 ? "entry" : "entries" );
	else if ( more && len < sizeof( c->buf ) )
		len += snprintf( c->buf + len, sizeof( c->buf ) - len, " and %d more", more );
	if ( len < sizeof( c->buf ) )
		snprintf( c->buf + len, sizeof( c->buf ) - len, "; end or change those first" );
	c->rs->sr_err = LDAP_CONSTRAINT_VIOLATION;
	c->rs->sr_text = c->buf;
	return LDAP_CONSTRAINT_VIOLATION;
}

/* A delete terminates the target from the period's start: refused while
 * others still refer to it during the rest of its life. */
static int
check_delete( check_ctx *c )
{
	bt_uuid target;
	referrers l;
	AttributeType *at;
	int i, rc = 0, person;

	rc = bt_resolve_any( c->oi->oi_bt, c->txn, &c->op->o_req_ndn, c->P, &target );
	if ( rc == MDB_NOTFOUND ) return 0;	/* the bitemporal overlay answers 32 */
	if ( rc || is_person_during( c, &target, &person ) ) return fail_read( c );
	if ( c->term ) {
		c->term->uuid = target;
		c->term->known = 1;
		c->term->person = person;
	}
	if ( person ) return 0;

	memset( &l, 0, sizeof( l ) );
	for ( at_start( &at ); at && !rc; at_next( &at ) ) {
		AttributeDescription *ad = at->sat_ad;
		if ( !ad || !bt_is_reference( ad ) ) continue;
		rc = referrers_by( c, ad, &target, &l );
	}
	if ( !rc && ( l.nnamed || l.nhidden ) ) rc = refuse_referred( c, &l );
	for ( i = 0; i < l.nnamed; i++ ) ch_free( l.named[i].dn.bv_val );
	ch_free( l.seen );
	return rc;
}

static bt_period
write_period( Operation *op )
{
	bt_period P = { slap_get_time(), BT_INFINITY };

	if ( bt_has_ctrl( op, bt_validity_cid ) ) {
		P = bt_validity_of( op )->period;
	} else if ( op->o_tag == LDAP_REQ_ADD ) {
		Attribute *f = attr_find( op->ora_e->e_attrs, bt_ad_validFrom );
		Attribute *t = attr_find( op->ora_e->e_attrs, bt_ad_validTo );
		if ( f ) bt_time_parse( f->a_vals[0].bv_val, f->a_vals[0].bv_len, &P.from );
		if ( t ) bt_time_parse( t->a_vals[0].bv_val, t->a_vals[0].bv_len, &P.to );
	}
	return P;
}

static int
refuse_derived( check_ctx *c, AttributeDescription *ad )
{
	return fail( c, LDAP_CONSTRAINT_VIOLATION,
		"%s is derived by the oio overlay and cannot be written", ad->ad_cname.bv_val );
}

static int
check_add( check_ctx *c, oio_kind kind )
{
	Entry *ent = c->op->ora_e;
	Attribute *a;
	bt_uuid self;
	int rc;

	if ( !get_relax( c->op ) ) {
		for ( a = ent->e_attrs; a; a = a->a_next )
			if ( oio_is_derived( a->a_desc, kind ) ) return refuse_derived( c, a->a_desc );
	}
	/* an activation was checked when it was recorded */
	for ( a = ent->e_attrs; a && !c->activation; a = a->a_next )
		if ( ( rc = check_values( c, a->a_desc, a->a_vals ) ) ) return rc;
	if ( !c->activation && ( rc = check_shape( c, ent ) ) ) return rc;
	if ( !c->oi->oi_bt || kind == OIO_PERSON ) return 0;
	if ( !bt_period_is_valid( c->P ) ) return 0;	/* bitemporal refuses it */
	return check_entry_refs( c, ent, bt_entry_uuid( ent, &self ) ? NULL : &self );
}

/* One current version with the modification applied satisfies the rules
 * during the part of the period it covers.  Errors in the modification
 * itself are the bitemporal overlay's to report; here only the rules. */
static int
check_modified_version( check_ctx *c, bt_row *row, const bt_uuid *self )
{
	Modifications *ml;
	bt_period save = c->P;
	const char *text;
	char tb[SLAP_TEXT_BUFLEN];
	Entry *e;
	int rc = 0;

	if ( bt_row_entry( row, &e ) ) return fail_read( c );
	for ( ml = c->op->orm_modlist; ml && !rc; ml = ml->sml_next ) {
		Modification *m = &ml->sml_mod;
		switch ( m->sm_op ) {
		case LDAP_MOD_ADD: rc = modify_add_values( e, m, 1, &text, tb, sizeof( tb ) ); break;
		case LDAP_MOD_DELETE: rc = modify_delete_values( e, m, 1, &text, tb, sizeof( tb ) ); break;
		case LDAP_MOD_REPLACE: rc = modify_replace_values( e, m, 1, &text, tb, sizeof( tb ) ); break;
		default: break;
		}
	}
	c->P = bt_period_intersect( row->valid, save );
	rc = c->activation ? 0 : check_shape( c, e );
	if ( !rc ) rc = check_entry_refs( c, e, self );
	c->P = save;
	entry_free( e );
	return rc;
}

static int
check_modify( check_ctx *c, oio_kind kind )
{
	Operation *op = c->op;
	Modifications *ml;
	bt_rows cur = { 0 };
	bt_uuid self;
	int touches = 0, i, rc = 0;

	if ( !get_relax( op ) ) {
		for ( ml = op->orm_modlist; ml; ml = ml->sml_next )
			if ( !( ml->sml_flags & SLAP_MOD_INTERNAL ) &&
				oio_is_derived( ml->sml_desc, kind ) )
				return refuse_derived( c, ml->sml_desc );
	}
	for ( ml = op->orm_modlist; ml && !c->activation; ml = ml->sml_next ) {
		if ( ml->sml_op != LDAP_MOD_ADD && ml->sml_op != LDAP_MOD_REPLACE ) continue;
		if ( ( rc = check_values( c, ml->sml_desc, ml->sml_values ) ) ) return rc;
	}
	if ( !c->oi->oi_bt || !bt_period_is_valid( c->P ) ) return 0;
	for ( ml = op->orm_modlist; ml; ml = ml->sml_next )
		if ( bt_is_reference( ml->sml_desc ) || ml->sml_desc == oio_ad.primary ||
			ml->sml_desc == slap_schema.si_ad_objectClass ) touches = 1;
	if ( !touches ) return 0;

	/* every version the modification produces must satisfy the rules:
	 * apply it to each current version inside the period */
	rc = bt_resolve_any( c->oi->oi_bt, c->txn, &op->o_req_ndn, c->P, &self );
	if ( rc == MDB_NOTFOUND ) return 0;	/* the bitemporal overlay answers 32 */
	if ( rc ) return fail_read( c );
	if ( bt_rows_current( c->oi->oi_bt, c->txn, &self, c->P, &cur ) ) {
		bt_rows_free( &cur );
		return fail_read( c );
	}
	for ( i = 0; i < cur.n && !rc; i++ )
		rc = check_modified_version( c, &cur.r[i], &self );
	bt_rows_free( &cur );
	return rc;
}

/* The rules for one write; on a violation rs carries the result, which
 * the caller sends. */
static int
check( check_ctx *c, oio_kind kind )
{
	Operation *op = c->op;

	if ( op->o_tag == LDAP_REQ_ADD ) return check_add( c, kind );
	if ( op->o_tag == LDAP_REQ_MODIFY ) return check_modify( c, kind );
	if ( c->activation ) return 0;	/* checked when it was recorded */
	if ( op->o_tag == LDAP_REQ_MODRDN )
		return check_rdn_values( c, &op->orr_newrdn );
	if ( op->o_tag == LDAP_REQ_DELETE && c->oi->oi_bt && bt_period_is_valid( c->P ) )
		return check_delete( c );
	return 0;
}

int
oio_check_write( Operation *op, SlapReply *rs, oio_info *oi, slap_overinst *on,
	oio_kind kind, oio_terminated *term )
{
	check_ctx c;
	bt_reader rd;
	int rc;

	if ( op->o_tag != LDAP_REQ_ADD && op->o_tag != LDAP_REQ_MODIFY &&
		op->o_tag != LDAP_REQ_MODRDN && op->o_tag != LDAP_REQ_DELETE ) return 0;
	memset( &c, 0, sizeof( c ) );
	c.op = op;
	c.rs = rs;
	c.oi = oi;
	c.term = term;
	c.P = write_period( op );
	{
		OpExtra *oex;
		LDAP_SLIST_FOREACH( oex, &op->o_extra, oe_next )
			if ( oex->oe_key == &bt_activation_key ) c.activation = 1;
	}
	if ( oi->oi_bt ) {
		if ( bt_read_begin( oi->oi_bt, op, &rd ) ) {
			/* the rules cannot be checked: refused, never skipped */
			rc = LDAP_OTHER;
			snprintf( c.buf, sizeof( c.buf ), "oio: cannot read the history to check the write" );
			rs->sr_err = rc;
			goto refuse;
		}
		c.txn = rd.txn;
	}
	rc = check( &c, kind );
	if ( oi->oi_bt ) bt_read_end( &rd );
refuse:
	if ( rc ) {
		/* the text lives in c: copy it to the operation's memory */
		struct berval t;
		ber_str2bv_x( c.buf, 0, 1, &t, op->o_tmpmemctx );
		rs->sr_text = t.bv_val;
		op->o_bd->bd_info = (BackendInfo *)on->on_info;
		send_ldap_result( op, rs );
		op->o_bd->bd_info = (BackendInfo *)on;
		rs->sr_text = NULL;
		op->o_tmpfree( t.bv_val, op->o_tmpmemctx );
	}
	return rc;
}

/* ------------------------------------------------------------------ */
/* Whether a delete terminates a person, whose termination is the model's
 * cascade (oio_cascade.c) and not the referrer rule's. */

int
oio_terminates_person( Operation *op, oio_info *oi, const bt_uuid *u,
	const oio_terminated *term, int *person )
{
	check_ctx c;
	bt_reader rd;
	int rc;

	/* the check before the write saw the person's versions in the period
	 * the delete ends (which the delete has now superseded) */
	if ( term && term->known && memcmp( &term->uuid, u, sizeof( *u ) ) == 0 ) {
		*person = term->person;
		return 0;
	}
	/* an activation (not checked), or the write reached another entity
	 * than the check resolved: what is left of it says what it is */
	memset( &c, 0, sizeof( c ) );
	c.op = op;
	c.oi = oi;
	c.P.from = BT_NEG_INFINITY;
	c.P.to = BT_INFINITY;
	if ( ( rc = bt_read_begin( oi->oi_bt, op, &rd ) ) ) return rc;
	c.txn = rd.txn;
	rc = is_person_during( &c, u, person );
	bt_read_end( &rd );
	return rc;
}
