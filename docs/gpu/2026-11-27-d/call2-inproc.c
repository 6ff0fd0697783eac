/* One-off A/B (2026-11-27, ninth session): the kernels before and after the
 * backward pass, in one process, alternated, on the same buffers, with y
 * placed `off` bytes past x modulo 4 KiB. Usage: inproc ISA BYTES OFF... */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <stdint.h>
#include <time.h>
#include "c2op.h"
#include "cpu/dispatch.h"
#include "cpu/isa.h"
#include "cpu/kernels.h"
extern const c2op__negate_kernels old_sse2_table, old_avx2_table, old_avx512_table;
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
static int cmp(const void*a,const void*b){double x=*(double*)a,y=*(double*)b;return (x>y)-(x<y);}
int main(int argc,char**argv){
  const char *isa=argv[1]; size_t bytes=atol(argv[2]); int64_t n=bytes/4;
  c2op__isa id = !strcmp(isa,"avx512")?C2OP__ISA_AVX512:!strcmp(isa,"avx2")?C2OP__ISA_AVX2:C2OP__ISA_SSE2;
  const c2op__negate_kernels *old = id==C2OP__ISA_AVX512?&old_avx512_table:id==C2OP__ISA_AVX2?&old_avx2_table:&old_sse2_table;
  if(!c2op__cpu_isa_available(id)){printf("%s not available\n",isa);return 0;}
  uint8_t *px,*py; if(posix_memalign((void**)&px,2<<20,8<<20)||posix_memalign((void**)&py,2<<20,8<<20)) return 1;
  memset(px,1,8<<20);memset(py,0,8<<20);
  const c2op__unary_kernel *kn=c2op__cpu_negate_kernels(id)->signflip[2], *ko=old->signflip[2];
  for(int a=3;a<argc;a++){ long off=atol(argv[a]);
    uint8_t*x=px+(1<<20), *y=py+(1<<20)+off;
    enum{R=31}; double t[2][R]; long it=(long)(5e8/(bytes*20)); if(it<50)it=50;
    for(int r=0;r<R;r++) for(int k=0;k<2;k++){ const c2op__unary_kernel*kk=((r+k)&1)?kn:ko; double s=now();
      for(long i=0;i<it;i++){ kk->contig(x,y,n,4); __asm__ volatile(""::"r"(y):"memory");}
      t[kk==kn][r]=(now()-s)/it*1e9;}
    qsort(t[0],R,sizeof(double),cmp); qsort(t[1],R,sizeof(double),cmp);
    printf("%-6s %7zu off %4ld: old %6.1f new %6.1f GB/s  new/old %.3f\n",isa,bytes,off,2.0*bytes/t[0][R/2],2.0*bytes/t[1][R/2],t[0][R/2]/t[1][R/2]);
  }
  return 0;
}
