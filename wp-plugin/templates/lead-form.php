<?php
/**
 * [whieda_lead_form]: the web form, or the thanks after it was sent. Variables: $view
 * (see Whieda_Lead_Form::render()).
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

$fields = array(
	'name'     => array( __( 'Имя', 'whieda-bridge' ), 'text', true, Whieda_Lead_Form::MAX_NAME, 'name' ),
	'email'    => array( __( 'Электронная почта', 'whieda-bridge' ), 'email', true, Whieda_Lead_Form::MAX_EMAIL, 'email' ),
	'telegram' => array( __( 'Telegram (необязательно), например @anna_k', 'whieda-bridge' ), 'text', false, 33, 'off' ),
);
?>
<div class="whieda-lead-form" id="whieda-lead-form">
<?php if ( $view['sent'] ) : ?>
	<div class="whieda-lead-form__sent" role="status">
		<p><?php esc_html_e( 'Спасибо! Заявка принята — мы скоро свяжемся с вами.', 'whieda-bridge' ); ?></p>
		<?php echo Whieda_Telegram_Link::block( $view['telegram_url'], __( 'Подключите Telegram, чтобы получить приветствие и напоминания о вебинарах в личных сообщениях.', 'whieda-bridge' ) ); // phpcs:ignore WordPress.Security.EscapeOutput -- escaped in templates/telegram-connect.php. ?>
		<?php if ( $view['logged_in'] ) : ?>
			<p><?php esc_html_e( 'А пока выберите вебинар и запишитесь на него.', 'whieda-bridge' ); ?></p>
			<p><a class="whieda-button" href="<?php echo esc_url( $view['schedule'] ); ?>"><?php esc_html_e( 'Выбрать вебинар', 'whieda-bridge' ); ?></a></p>
		<?php else : ?>
			<p><?php esc_html_e( 'Чтобы записаться на вебинар и смотреть эфир, зарегистрируйтесь на сайте — это бесплатно.', 'whieda-bridge' ); ?></p>
			<p><a class="whieda-button" href="<?php echo esc_url( $view['signup_url'] ); ?>"><?php esc_html_e( 'Зарегистрироваться', 'whieda-bridge' ); ?></a>
				<a class="whieda-link" href="<?php echo esc_url( $view['schedule'] ); ?>"><?php esc_html_e( 'Расписание вебинаров', 'whieda-bridge' ); ?></a></p>
		<?php endif; ?>
	</div>
<?php else : ?>
	<?php if ( array() !== $view['errors'] ) : ?>
		<div class="whieda-lead-form__errors" role="alert">
			<p><?php esc_html_e( 'Заявка не отправлена. Исправьте, пожалуйста:', 'whieda-bridge' ); ?></p>
			<ul>
				<?php foreach ( $view['errors'] as $message ) : ?>
					<li><?php echo esc_html( $message ); ?></li>
				<?php endforeach; ?>
			</ul>
		</div>
	<?php endif; ?>
	<form method="post" action="<?php echo esc_url( $view['action'] ); ?>#whieda-lead-form" novalidate>
		<?php wp_nonce_field( Whieda_Lead_Form::ACTION, Whieda_Lead_Form::NONCE, false ); ?>
		<input type="hidden" name="<?php echo esc_attr( Whieda_Lead_Form::ACTION ); ?>" value="1">
		<input type="hidden" name="whieda_ref" value="<?php echo esc_attr( $view['ref'] ); ?>">
		<input type="hidden" name="<?php echo esc_attr( Whieda_Lead_Guard::STAMP ); ?>" value="<?php echo esc_attr( $view['stamp'] ); ?>">
		<?php foreach ( $fields as $name => list( $label, $type, $required, $max, $autocomplete ) ) : ?>
			<?php
			$id    = 'whieda-lead-' . $name;
			$error = isset( $view['errors'][ $name ] ) ? $view['errors'][ $name ] : '';
			?>
			<p class="whieda-lead-form__field">
				<label for="<?php echo esc_attr( $id ); ?>"><?php echo esc_html( $label ); ?></label>
				<input id="<?php echo esc_attr( $id ); ?>" type="<?php echo esc_attr( $type ); ?>" name="whieda_<?php echo esc_attr( $name ); ?>" value="<?php echo esc_attr( $view['values'][ $name ] ); ?>" maxlength="<?php echo (int) $max; ?>" autocomplete="<?php echo esc_attr( $autocomplete ); ?>"<?php echo $required ? ' required' : ''; ?><?php echo '' !== $error ? ' aria-invalid="true" aria-describedby="' . esc_attr( $id ) . '-error"' : ''; ?>>
				<?php if ( '' !== $error ) : ?>
					<span class="whieda-lead-form__error" id="<?php echo esc_attr( $id ); ?>-error"><?php echo esc_html( $error ); ?></span>
				<?php endif; ?>
			</p>
		<?php endforeach; ?>
		<?php // The honeypot: out of sight and out of the tab order for people, filled by bots. ?>
		<p class="whieda-lead-form__hp" aria-hidden="true" style="position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden">
			<label><?php esc_html_e( 'Не заполняйте это поле', 'whieda-bridge' ); ?>
				<input type="text" name="<?php echo esc_attr( Whieda_Lead_Form::HONEYPOT ); ?>" value="" tabindex="-1" autocomplete="off"></label>
		</p>
		<?php
		/** Where a site prints its CAPTCHA widget (checked on the `whieda_lead_form_check` filter). */
		do_action( 'whieda_lead_form_fields' );
		?>
		<p><button type="submit" class="whieda-button"><?php esc_html_e( 'Отправить заявку', 'whieda-bridge' ); ?></button></p>
	</form>
<?php endif; ?>
</div>
