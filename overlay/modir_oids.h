/* modir_oids.h - every OID modir uses, defined once.
 *
 * Arc: 2.25.206283864511547100393473690660207568560 (an X.667 UUID arc;
 * no registration needed).  The schema files use the same layout through
 * objectIdentifier macros (schema/modir-oio.schema):
 *
 *   .1  attribute types of the OIO schema        (modirAT)
 *   .2  object classes of the OIO schema         (modirOC)
 *   .3  LDAP controls
 *   .4  cn=config attribute types                (modirCfgAT)
 *   .5  cn=config object classes                 (modirCfgOC)
 *   .6  operational attributes the module registers itself
 */
#ifndef MODIR_OIDS_H
#define MODIR_OIDS_H

#define MODIR_OID              "2.25.206283864511547100393473690660207568560"

#define MODIR_OID_AT           MODIR_OID ".1"
#define MODIR_OID_OC           MODIR_OID ".2"
#define MODIR_OID_CONTROL      MODIR_OID ".3"
#define MODIR_OID_CFG_AT       MODIR_OID ".4"
#define MODIR_OID_CFG_OC       MODIR_OID ".5"
#define MODIR_OID_OPATTR       MODIR_OID ".6"

/* Controls (slapo-bitemporal(5)) */
#define MODIR_CTRL_VALIDITY    MODIR_OID_CONTROL ".1"  /* writes: validFrom=..;validTo=.. */
#define MODIR_CTRL_ASOF        MODIR_OID_CONTROL ".2"  /* search: validAt=..;knownAt=..   */
#define MODIR_CTRL_HISTORY     MODIR_OID_CONTROL ".3"  /* search: list versions           */

/* Operational attributes registered by the bitemporal overlay */
#define MODIR_AT_VALID_FROM    MODIR_OID_OPATTR ".1"
#define MODIR_AT_VALID_TO      MODIR_OID_OPATTR ".2"
#define MODIR_AT_RECORDED_AT   MODIR_OID_OPATTR ".3"
#define MODIR_AT_RECORDED_BY   MODIR_OID_OPATTR ".4"
#define MODIR_AT_SUPERSEDED_AT MODIR_OID_OPATTR ".5"
#define MODIR_AT_VERSION_OP    MODIR_OID_OPATTR ".6"
#define MODIR_AT_CHANGED_ATTRS MODIR_OID_OPATTR ".7"
#define MODIR_AT_ACTIVATION_ERROR MODIR_OID_OPATTR ".8"

/* cn=config: bitemporal overlay (.4.1.x / .5.1) and oio overlay (.4.2.x / .5.2) */
#define MODIR_CFG_AT_BT        MODIR_OID_CFG_AT ".1"
#define MODIR_CFG_OC_BT        MODIR_OID_CFG_OC ".1"
#define MODIR_CFG_AT_OIO       MODIR_OID_CFG_AT ".2"
#define MODIR_CFG_OC_OIO       MODIR_OID_CFG_OC ".2"

#endif /* MODIR_OIDS_H */
