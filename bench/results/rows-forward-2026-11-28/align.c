#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <time.h>
#include <sys/mman.h>
#include <immintrin.h>
#include <dlpack/dlpack.h>
#include "c2op.h"
#include "cpu/kernels.h"
extern const c2op__negate_kernels c2op__negate_kernels__avx512;
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
#define ATTR __attribute__((noinline,target("avx512f,avx512bw")))
static inline __attribute__((always_inline,target("avx512f,avx512bw"))) void body(const uint8_t*x,uint8_t*y,size_t bytes,size_t i,int BK){
  const __m512i s=_mm512_set1_epi32(0x80000000);
  __m512i head=_mm512_xor_si512(_mm512_loadu_si512(x),s);
  size_t stop=i+((bytes-i)&~(size_t)63);
  size_t d=((uintptr_t)y-(uintptr_t)x)&4095;
  if(BK && d-1<512){ size_t j=stop; for(;j>=i+256;j-=256){__m512i a=_mm512_loadu_si512(x+j-64),b=_mm512_loadu_si512(x+j-128),c=_mm512_loadu_si512(x+j-192),e=_mm512_loadu_si512(x+j-256);
   _mm512_storeu_si512(y+j-64,_mm512_xor_si512(a,s));_mm512_storeu_si512(y+j-128,_mm512_xor_si512(b,s));_mm512_storeu_si512(y+j-192,_mm512_xor_si512(c,s));_mm512_storeu_si512(y+j-256,_mm512_xor_si512(e,s));}
   for(;j>=i+64;j-=64)_mm512_storeu_si512(y+j-64,_mm512_xor_si512(_mm512_loadu_si512(x+j-64),s)); i=stop; }
  for(;i+256<=bytes;i+=256){__m512i a=_mm512_loadu_si512(x+i),b=_mm512_loadu_si512(x+i+64),c=_mm512_loadu_si512(x+i+128),d=_mm512_loadu_si512(x+i+192);
   _mm512_storeu_si512(y+i,_mm512_xor_si512(a,s));_mm512_storeu_si512(y+i+64,_mm512_xor_si512(b,s));_mm512_storeu_si512(y+i+128,_mm512_xor_si512(c,s));_mm512_storeu_si512(y+i+192,_mm512_xor_si512(d,s));}
  for(;i+64<=bytes;i+=64)_mm512_storeu_si512(y+i,_mm512_xor_si512(_mm512_loadu_si512(x+i),s));
  _mm512_storeu_si512(y,head);
  if(stop!=bytes){__mmask64 m=(__mmask64)((1ull<<(bytes-stop))-1); _mm512_mask_storeu_epi8(y+stop,m,_mm512_xor_si512(_mm512_maskz_loadu_epi8(m,x+stop),s));}
}
ATTR static void ky(const float*x,float*y,int64_t n){const uint8_t*a=(const uint8_t*)x;uint8_t*b=(uint8_t*)y; body(a,b,n*4,(size_t)(-(uintptr_t)b&63),0);}
ATTR static void kyb(const float*x,float*y,int64_t n){const uint8_t*a=(const uint8_t*)x;uint8_t*b=(uint8_t*)y; body(a,b,n*4,(size_t)(-(uintptr_t)b&63),1);}
ATTR static void kx(const float*x,float*y,int64_t n){const uint8_t*a=(const uint8_t*)x;uint8_t*b=(uint8_t*)y; body(a,b,n*4,(size_t)(-(uintptr_t)a&63),0);}
ATTR static void k0(const float*x,float*y,int64_t n){const uint8_t*a=(const uint8_t*)x;uint8_t*b=(uint8_t*)y; body(a,b,n*4,0,0);}
typedef void(*kf)(const float*,float*,int64_t);
static int64_t R,C,P,PY; static float *X0,*Y0;
static void rowsf(kf f){for(int64_t r=0;r<R;r++)f(X0+r*P,Y0+r*PY,C);}
static void r_y(void){rowsf(ky);} static void r_x(void){rowsf(kx);} static void r_0(void){rowsf(k0);} static void r_yb(void){rowsf(kyb);}
static DLTensor X,Y; static int64_t shp[2],str[2],ystr[2]; static c2op_context*CT;
static void r_c2(void){c2op_negative_ex(CT,&X,&Y);}
static void r_k(void){c2op__contig_fn f=c2op__negate_kernels__avx512.signflip[2]->contig; for(int64_t r=0;r<R;r++)f(X0+r*P,Y0+r*PY,C,4);}
static int cmpd(const void*a,const void*b){double d=*(double*)a-*(double*)b;return d<0?-1:d>0;}
int main(int argc,char**argv){
  double kib=atof(argv[1]); int rounds=atoi(argv[2]); C=atoi(argv[3]); P=atoi(argv[4]); PY=atoi(argv[5]); int yoff=argc>6?atoi(argv[6]):0;
  R=(int64_t)(kib*1024)/(C*4); if(R<1)R=1; size_t bytes=(size_t)R*(P>PY?P:PY)*4+8192;
  posix_memalign((void**)&X0,2<<20,bytes); madvise(X0,bytes,MADV_HUGEPAGE);
  posix_memalign((void**)&Y0,2<<20,bytes); madvise(Y0,bytes,MADV_HUGEPAGE);
  Y0=(float*)((char*)Y0+yoff);
  for(size_t i=0;i<bytes/4-8;i++)X0[i]=(float)i; memset(Y0,1,bytes-yoff);
  c2op_context_create(&CT); c2op_context_set_num_threads(CT,1);
  shp[0]=R;shp[1]=C;str[0]=P;str[1]=1;ystr[0]=PY;ystr[1]=1;
  X=(DLTensor){X0,{kDLCPU,0},2,{kDLFloat,32,1},shp,str,0}; Y=X; Y.data=Y0; Y.strides=ystr;
  void(*f[])(void)={r_k,r_c2,r_y,r_x,r_0,r_yb}; const char*nm[]={"kernel","c2op","align-y","align-x","noalign","y+back"}; int K=6;
  static double t[8][401]; for(int k=0;k<K;k++)f[k]();
  double per=2.0*R*C*4; int reps=(int)(8e6/per)+1; if(reps<1)reps=1;
  for(int r=0;r<rounds;r++)for(int j=0;j<K;j++){int k=(j+r)%K; double a=now(); for(int q=0;q<reps;q++)f[k](); t[k][r]=(now()-a)/reps;}
  double c2[401]; for(int r=0;r<rounds;r++)c2[r]=t[2][r];
  printf("%8.0f KiB rows %ld x %ld pitch %ld->%ld yoff %d:",kib,(long)R,(long)C,(long)P,(long)PY,yoff);
  for(int k=0;k<K;k++){double rr[401]; for(int r=0;r<rounds;r++)rr[r]=c2[r]/t[k][r]; qsort(rr,rounds,8,cmpd);
    qsort(t[k],rounds,8,cmpd); printf("  %s %.1f (%.3f)",nm[k],per/t[k][rounds/2]/1e9,rr[rounds/2]);}
  printf("   [GB/s (speed vs align-y)]\n");
  return 0;}
