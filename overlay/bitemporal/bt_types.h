/* bt_types.h - the plain values the bitemporal history speaks of, shared
 * by its stored form (bt_codec.h) and its API (bitemporal_api.h): an
 * entity's identity and the kind of operation that registered a version.
 *
 * Pure C, no slapd symbols, so that the codec builds alone (tests/unit,
 * tests/fuzz).
 */
#ifndef BT_TYPES_H
#define BT_TYPES_H

#include <string.h>

/* An entity is named by its entryUUID, kept as its 16 bytes. */
#define BT_UUID_LEN 16
typedef struct bt_uuid { unsigned char u[BT_UUID_LEN]; } bt_uuid;

static inline int bt_uuid_is_zero( const bt_uuid *u )
{
	static const bt_uuid zero;
	return memcmp( u, &zero, sizeof( zero ) ) == 0;
}

/* The operation that registered a version (stored as one byte). */
typedef enum bt_opkind {
	BT_OP_BASELINE = 0,	/* an entry that existed before its first tracked change */
	BT_OP_ADD,
	BT_OP_MODIFY,
	BT_OP_DELETE,		/* versions carried up to the termination date */
	BT_OP_MODRDN,
	BT_OP_IMPORT		/* restored from an export */
} bt_opkind;
#define BT_OP_LAST BT_OP_IMPORT	/* a stored op byte above it is corrupt */

#endif /* BT_TYPES_H */
