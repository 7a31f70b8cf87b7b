/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NF_EGRESS_VERSION_H
#define _NF_EGRESS_VERSION_H

#define NF_EGRESS_VERSION "0.1.0"

#endif /* _NF_EGRESS_VERSION_H */
