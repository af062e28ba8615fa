// Copies the files the built code reads at run time next to it in dist/ (tsc copies only code):
// the shipped automation templates.
import { cpSync, readdirSync } from 'node:fs';

const folders = ['automations/templates'];
for (const folder of folders) {
  for (const name of readdirSync(folder).filter((file) => file.endsWith('.yaml'))) cpSync(`${folder}/${name}`, `dist/${folder}/${name}`);
}
