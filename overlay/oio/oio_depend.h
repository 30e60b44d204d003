/* oio_depend.h - what the model (oio_model.c) and the derivation
 * (oio_derive.c) use of oio_depend.c, the record of what a change of a
 * tracking model reaches; nothing else includes it.  All of it is called
 * with the model's mutex held, and does nothing in a model that does not
 * track (oio_model_track) but where said.
 */
#ifndef OIO_DEPEND_H
#define OIO_DEPEND_H

#include "oio_model.h"

/* The lists of what names entryUUID u: OIO_DEPEND_BY_PERSON (engagements
 * and posts by their person, addresses by their owner) or
 * OIO_DEPEND_BY_UNIT (engagements and posts by their unit).  The first
 * one's id (0: none); the next of o is o->link[2 * list + OIO_L_NEXT]. */
enum { OIO_DEPEND_BY_PERSON = 0, OIO_DEPEND_BY_UNIT = 1 };
unsigned oio_depend_first( oio_model *m, const bt_uuid *u, int list );

/* o (a person or unit) is reached by a change: what (OIO_CH_*) */
void oio_depend_mark( oio_model *m, oio_obj *o, int what );

/* Person p reports to mgr now (NULL: nobody): p moves to mgr's list of
 * reports, and the old and new managers are marked (their reports). */
void oio_depend_set_manager( oio_model *m, oio_obj *p, oio_obj *mgr );

/* After a derivation: nothing is marked or listed any more. */
void oio_depend_done( oio_model *m );

#endif /* OIO_DEPEND_H */
