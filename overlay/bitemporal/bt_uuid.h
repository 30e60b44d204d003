/* bt_uuid.h - an entity's name in the history: its entryUUID, the 16 bytes
 * of the normalized value.  Plain C, so that code without slapd (the oio
 * model and its unit tests) can hold one.
 */
#ifndef BT_UUID_H
#define BT_UUID_H

#define BT_UUID_LEN 16
typedef struct bt_uuid { unsigned char u[BT_UUID_LEN]; } bt_uuid;

#endif /* BT_UUID_H */
