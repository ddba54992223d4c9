<?php
/**
 * The «Подключить Telegram» block. Variables: $url (the deep link's address), $why (the line on why).
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;
?>
<div class="whieda-telegram-connect">
	<p class="whieda-telegram-connect__why"><?php echo esc_html( $why ); ?></p>
	<p><a class="whieda-button whieda-telegram-connect__button" href="<?php echo esc_url( $url ); ?>" target="_blank" rel="noopener"><?php esc_html_e( 'Подключить Telegram', 'whieda-bridge' ); ?><span class="screen-reader-text"> <?php esc_html_e( '(откроется в новой вкладке)', 'whieda-bridge' ); ?></span></a></p>
	<p class="whieda-telegram-connect__note"><?php esc_html_e( 'Откроется наш бот в Telegram: нажмите в нём «Start». Это автоматический бот; отключить его можно командой /stop.', 'whieda-bridge' ); ?></p>
</div>
