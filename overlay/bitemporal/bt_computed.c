/* bt_computed.c - attributes the history does not keep: values another
 * overlay computes from other entries (slapo-oio's title, manager, mail,
 * ...).
 *
 * A derived value is a function of other entries' histories.  Stored in
 * the versions of the entry it is shown on, it would be a second, wrong
 * history: valid from whenever the computing task last ran, written by
 * the rootdn, and missing every change the task never saw (a correction
 * of the past).  So versions hold an entry's own facts only; the live
 * entry keeps the current derived values for plain reads (a modify of
 * nothing but them passes straight to the backend), and as-of and history
 * reads get them from the overlay that computes them, for the point shown
 * (bt_fixup).
 */
#include "portable.h"

#include <ac/string.h>

#include "slap.h"

#include "bitemporal.h"

int bt_derived_key;

void
bt_computed_add( bt_info *bi, AttributeDescription *ad, ObjectClass *oc )
{
	int i;

	if ( !ad || !oc ) return;
	for ( i = 0; i < bi->bt_ncomputed; i++ )
		if ( bi->bt_computed[i].ad == ad && bi->bt_computed[i].oc == oc ) return;
	bi->bt_computed = ch_realloc( bi->bt_computed,
		( bi->bt_ncomputed + 1 ) * sizeof( *bi->bt_computed ) );
	bi->bt_computed[bi->bt_ncomputed].ad = ad;
	bi->bt_computed[bi->bt_ncomputed].oc = oc;
	bi->bt_ncomputed++;
}

int
bt_is_computed( bt_info *bi, AttributeDescription *ad, Entry *e )
{
	int i;

	for ( i = 0; i < bi->bt_ncomputed; i++ )
		if ( bi->bt_computed[i].ad == ad && is_entry_objectclass( e, bi->bt_computed[i].oc, 0 ) )
			return 1;
	return 0;
}

/* Whether ad, or an attribute below it (a filter on name tests title),
 * is computed on some class. */
static int
ad_reaches_computed( bt_info *bi, AttributeDescription *ad )
{
	int i;

	for ( i = 0; i < bi->bt_ncomputed; i++ )
		if ( bi->bt_computed[i].ad == ad || is_ad_subtype( bi->bt_computed[i].ad, ad ) )
			return 1;
	return 0;
}

/* f and the filters after it (f_next: the members of an AND or OR) */
int
bt_filter_computed( bt_info *bi, Filter *f )
{
	for ( ; f; f = f->f_next ) {
		switch ( f->f_choice & SLAPD_FILTER_MASK ) {
		case LDAP_FILTER_AND:
		case LDAP_FILTER_OR:
			if ( bt_filter_computed( bi, f->f_list ) ) return 1;
			break;
		case LDAP_FILTER_NOT:
			if ( bt_filter_computed( bi, f->f_not ) ) return 1;
			break;
		case LDAP_FILTER_EQUALITY:
		case LDAP_FILTER_GE:
		case LDAP_FILTER_LE:
		case LDAP_FILTER_APPROX:
			if ( ad_reaches_computed( bi, f->f_av_desc ) ) return 1;
			break;
		case LDAP_FILTER_SUBSTRINGS:
			if ( ad_reaches_computed( bi, f->f_sub_desc ) ) return 1;
			break;
		case LDAP_FILTER_PRESENT:
			if ( ad_reaches_computed( bi, f->f_desc ) ) return 1;
			break;
		case LDAP_FILTER_EXT:
			/* a rule over every attribute (no type) may test them all */
			if ( !f->f_mr_desc || ad_reaches_computed( bi, f->f_mr_desc ) ) return 1;
			break;
		case SLAPD_FILTER_COMPUTED:
			break;
		default:	/* what is not known here may test anything */
			return 1;
		}
	}
	return 0;
}

int
bt_mods_computed_only( bt_info *bi, Modifications *ml )
{
	int i, computed = 0;

	for ( ; ml; ml = ml->sml_next ) {
		for ( i = 0; i < bi->bt_ncomputed; i++ )
			if ( bi->bt_computed[i].ad == ml->sml_desc ) break;
		if ( i < bi->bt_ncomputed ) computed = 1;
		else if ( !is_at_operational( ml->sml_desc->ad_type ) ) return 0;
	}
	return computed;
}

Entry *
bt_entry_own_facts( bt_info *bi, Entry *e, Entry *tmp, Attribute **attrs )
{
	Attribute *a, **tail;
	int n = 0, has = 0;

	*attrs = NULL;
	if ( !bi->bt_ncomputed ) return e;
	for ( a = e->e_attrs; a; a = a->a_next ) {
		n++;
		if ( bt_is_computed( bi, a->a_desc, e ) ) has = 1;
	}
	if ( !has ) return e;
	/* shallow: the values stay the entry's; e itself may be shared (a
	 * live entry from the backend's cache) and is never changed */
	*tmp = *e;
	tmp->e_attrs = NULL;
	tail = &tmp->e_attrs;
	*attrs = ch_malloc( n * sizeof( Attribute ) );
	n = 0;
	for ( a = e->e_attrs; a; a = a->a_next ) {
		if ( bt_is_computed( bi, a->a_desc, e ) ) continue;
		( *attrs )[n] = *a;
		( *attrs )[n].a_next = NULL;
		*tail = &( *attrs )[n];
		tail = &( *attrs )[n].a_next;
		n++;
	}
	return tmp;
}
