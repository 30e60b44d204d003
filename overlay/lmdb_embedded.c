/* The LMDB of the OpenLDAP source tree slapd was built from (see Makefile.am). */
#include "mdb.c"
