import { render } from 'preact';
import '../../components/styles.css';
import './popup.css';
import { DealPopup } from './DealPopup';

render(<DealPopup />, document.getElementById('app')!);
