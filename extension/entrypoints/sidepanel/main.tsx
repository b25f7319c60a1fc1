import { render } from 'preact';
import '../../components/styles.css';
import './sidepanel.css';
import { App } from './App';
import { createPanelState } from './panel-state';

const state = createPanelState();
render(<App state={state} />, document.getElementById('app')!);
void state.start();
