/* Process-wide state of the secure memory pool, released by vo_shutdown(). */
#ifndef VO_CORE_SECURE_INTERNAL_H
#define VO_CORE_SECURE_INTERNAL_H
void vo__secure_pool_drain(void);
#endif
