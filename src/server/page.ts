/** A single self-contained page: ask a question, watch the answer stream in with its citations. */
export const INDEX_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>incontext</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;max-width:760px;margin:2rem auto;padding:0 1rem;color:#1b1f24}
h1{font-size:1.4rem}form{display:flex;gap:.5rem}input{flex:1;padding:.6rem;font:inherit;border:1px solid #aab;border-radius:6px}
button{padding:.6rem 1rem;font:inherit;border:0;border-radius:6px;background:#2456d6;color:#fff;cursor:pointer}
#answer{white-space:pre-wrap;margin:1.2rem 0;padding:1rem;background:#f4f6fa;border-radius:6px;min-height:2rem}
#sources li{margin:.3rem 0}.src{color:#2456d6}.score{color:#778;font-size:.85em}.err{color:#b00020}
</style></head>
<body><h1>incontext</h1>
<form id="f"><input id="q" name="q" placeholder="Ask a question about your documents" autocomplete="off" autofocus><button>Ask</button></form>
<p id="keyrow" hidden><input id="key" type="password" placeholder="API key (the server asks for one)" autocomplete="off" style="width:100%"></p>
<div id="answer" aria-live="polite"></div>
<h2 style="font-size:1rem">Sources</h2><ol id="sources"></ol>
<script type="module">
const f=document.getElementById('f'),q=document.getElementById('q'),out=document.getElementById('answer'),src=document.getElementById('sources');
const key=document.getElementById('key'),keyrow=document.getElementById('keyrow');
key.value=sessionStorage.getItem('incontext-key')??'';if(key.value)keyrow.hidden=false;
key.addEventListener('change',()=>sessionStorage.setItem('incontext-key',key.value));
f.addEventListener('submit',async(ev)=>{ev.preventDefault();out.textContent='';out.className='';src.innerHTML='';
 const hits=[];const headers={'content-type':'application/json',accept:'text/event-stream'};if(key.value)headers.authorization='Bearer '+key.value;
 const res=await fetch('/api/ask',{method:'POST',headers,body:JSON.stringify({question:q.value})});
 if(res.status===401)keyrow.hidden=false;
 if(!res.ok){const e=await res.json();out.className='err';out.textContent=e.error.message+(e.error.hint?'\\n'+e.error.hint:'');return;}
 const reader=res.body.pipeThrough(new TextDecoderStream()).getReader();let buf='';
 for(;;){const {value,done}=await reader.read();if(done)break;buf+=value;let i;
  while((i=buf.indexOf('\\n\\n'))>=0){const block=buf.slice(0,i);buf=buf.slice(i+2);
   const data=block.split('\\n').filter(l=>l.startsWith('data:')).map(l=>l.slice(5).trim()).join('\\n');if(!data)continue;
   const part=JSON.parse(data);
   if(part.type==='hit')hits.push(part.hit);
   else if(part.type==='text-delta')out.textContent+=part.text;
   else if(part.type==='citation'){const li=document.createElement('li');li.value=part.citation.index;
     const h=hits.find(h=>h.chunkId===part.citation.chunkId);
     li.innerHTML='<span class="src"></span> <span class="score"></span><div></div>';
     li.querySelector('.src').textContent=part.citation.source;li.querySelector('.score').textContent=h?'score '+h.score.toFixed(3):'';
     li.querySelector('div').textContent=h?h.text.slice(0,280)+(h.text.length>280?'…':''):'';src.appendChild(li);}
   else if(part.type==='error'){out.className='err';out.textContent=part.error.message;}
 }}
});
</script></body></html>`;
