/* modir.c - the modir slapd module: one loadable object, two overlays.
 *
 *   bitemporal  generic bitemporal history for any DIT (slapo-bitemporal(5))
 *   oio         the OIO organisation model on top of it (slapo-oio(5))
 *
 * Load with "moduleload modir" (slapd.conf) or olcModuleLoad: modir
 * (cn=config), then "overlay bitemporal" / "overlay oio" on a database.
 */
#include "portable.h"

#include "slap.h"

#include "modir.h"

int
init_module( int argc, char *argv[] )
{
	int rc;

	(void)argc;
	(void)argv;
	rc = bitemporal_initialize();
	if ( rc ) {
		Debug( LDAP_DEBUG_ANY, "modir: bitemporal overlay failed to initialize (%d)\n", rc );
		return rc;
	}
	rc = oio_initialize();
	if ( rc ) {
		Debug( LDAP_DEBUG_ANY, "modir: oio overlay failed to initialize (%d)\n", rc );
		return rc;
	}
	return 0;
}
