/* Process-wide state of the MAC helpers, set up by vo_init(). */
#ifndef VO_CORE_MAC_INTERNAL_H
#define VO_CORE_MAC_INTERNAL_H
int vo__mac_global_init(void);
void vo__mac_global_cleanup(void);
/* Drop the calling thread's cached MAC states. */
void vo__mac_cache_clear(void);
#endif
