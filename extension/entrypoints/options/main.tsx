import { render } from 'preact';
import '../../components/styles.css';
import './options.css';
import { OptionsPage } from './OptionsPage';

render(<OptionsPage />, document.getElementById('app')!);
