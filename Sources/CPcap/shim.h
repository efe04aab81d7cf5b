#ifndef VANTAGE_CPCAP_SHIM_H
#define VANTAGE_CPCAP_SHIM_H
#include <pcap/pcap.h>
#endif
