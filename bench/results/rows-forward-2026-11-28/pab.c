/* In-process A/B of two libc2op builds (dlmopen), 2-D rows or 1-D passes. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <time.h>
#include <sys/mman.h>
#include <dlpack/dlpack.h>
#include "c2op.h"
typedef c2op_status (*neg_fn)(const c2op_context*,const DLTensor*,DLTensor*);
typedef c2op_status (*cc_fn)(c2op_context**); typedef c2op_status (*st_fn)(c2op_context*,int32_t);
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
static int cmpd(const void*a,const void*b){double d=*(double*)a-*(double*)b;return d<0?-1:d>0;}
int main(int argc,char**argv){
  if(argc<9){fprintf(stderr,"pab A.so B.so kib rounds C P PY yoff [threads] [inplace] [bits]\n");return 2;}
  neg_fn f[2]; c2op_context*ctx[2]; int thr=argc>9?atoi(argv[9]):1; int inpl=argc>10?atoi(argv[10]):0; int bits=argc>11?atoi(argv[11]):32;
  for(int k=0;k<2;k++){void*h=dlmopen(LM_ID_NEWLM,argv[1+k],RTLD_NOW|RTLD_LOCAL); if(!h){fprintf(stderr,"%s\n",dlerror());return 1;}
    f[k]=(neg_fn)dlsym(h,"c2op_negative_ex"); ((cc_fn)dlsym(h,"c2op_context_create"))(&ctx[k]); ((st_fn)dlsym(h,"c2op_context_set_num_threads"))(ctx[k],thr);}
  double kib=atof(argv[3]); int rounds=atoi(argv[4]); int64_t C=atoll(argv[5]),P=atoll(argv[6]),PY=atoll(argv[7]); int yoff=atoi(argv[8]);
  int es=bits/8; int64_t R=(int64_t)(kib*1024)/(C*es); if(R<1)R=1;
  int64_t W=P>PY?P:PY; if(W<C)W=C; size_t bytes=(size_t)R*W*es+8192;
  char*X0,*Y0; posix_memalign((void**)&X0,2<<20,bytes); madvise(X0,bytes,MADV_HUGEPAGE);
  posix_memalign((void**)&Y0,2<<20,bytes); madvise(Y0,bytes,MADV_HUGEPAGE); Y0+=yoff;
  for(size_t i=0;i<bytes;i++)X0[i]=(char)(i*7); memset(Y0,1,bytes-yoff);
  int64_t shp[2]={R,C},xs[2]={P,1},ys[2]={PY,1};
  DLTensor X={X0,{kDLCPU,0},2,{bits==8?kDLInt:kDLFloat,(uint8_t)bits,1},shp,xs,0}; DLTensor Y=X; Y.data=inpl?X0:Y0; Y.strides=inpl?xs:ys;
  if(R==1){X.ndim=1;X.shape=&shp[1];X.strides=NULL;Y.ndim=1;Y.shape=&shp[1];Y.strides=NULL;}
  double per=2.0*R*C*es; int reps=(int)(8e6/per)+1; if(thr>1&&reps<20)reps=20;
  static double t[2][1001]; for(int k=0;k<2;k++)for(int q=0;q<reps;q++)if(f[k](ctx[k],&X,&Y)){fprintf(stderr,"call failed\n");return 1;}
  for(int r=0;r<rounds;r++)for(int j=0;j<2;j++){int k=(j+r)&1; if(thr>1){struct timespec ts={0,20000000}; nanosleep(&ts,NULL); f[k](ctx[k],&X,&Y);} double a=now(); for(int q=0;q<reps;q++)f[k](ctx[k],&X,&Y); t[k][r]=(now()-a)/reps;}
  double rr[1001]; for(int r=0;r<rounds;r++)rr[r]=t[0][r]/t[1][r]; qsort(rr,rounds,8,cmpd);
  int wins=0; for(int r=0;r<rounds;r++)wins+=t[1][r]<t[0][r];
  for(int k=0;k<2;k++)qsort(t[k],rounds,8,cmpd);
  printf("%7.0f KiB rows %ld x %ld pitch %ld->%ld yoff %d thr %d%s: A %.1f  B %.1f GB/s  B/A speed %.3f (B faster in %d/%d)\n",kib,(long)R,(long)C,(long)P,(long)PY,yoff,thr,inpl?" inplace":"",
    per/t[0][rounds/2]/1e9,per/t[1][rounds/2]/1e9,rr[rounds/2],wins,rounds);
  return 0;}
