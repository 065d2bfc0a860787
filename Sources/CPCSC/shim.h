#ifndef GOSGATE_CPCSC_SHIM_H
#define GOSGATE_CPCSC_SHIM_H
/* pkg-config adds -I/usr/include/PCSC */
#include <winscard.h>
#include <wintypes.h>
#include <pcsclite.h>
#include <reader.h>
#endif
