import { render } from 'preact';
import '../shared/base.css';
import './console.css';
import { App } from './app.tsx';

render(<App />, document.getElementById('app')!);
